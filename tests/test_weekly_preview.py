"""`/email/weekly/preview/`: this week's email in the browser, for its learner, or for staff any
learner's; the email's own document at `/email/weekly/preview/email/` under a stricter CSP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from learners.models import StudySession
from learners.weekly.models import WeeklyEmail, WeeklySchedule
from learners.weekly.report import REPORT_QUERIES
from tests.factories import make_learner, make_modules, make_plan

pytestmark = pytest.mark.django_db

PAGE = "/email/weekly/preview/"
BODY = "/email/weekly/preview/email/"
NOW = datetime(2026, 3, 11, 12, tzinfo=UTC)  # a Wednesday: "this week's" email is about 2–8 March


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def planned(alice, bob):
    modules = make_modules(3)
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=UTC), tick=False):
        make_plan(alice, modules, goal="Alice's secret goal")
        make_plan(bob, modules[:1], goal="Bob's goal")
    StudySession.objects.create(learner=alice, date=date(2026, 3, 4), minutes=150)
    return alice, bob


@pytest.fixture
def staff(db):
    """Staff who may view accounts: the permission the admin's own user list asks for."""
    from django.contrib.auth.models import Permission

    user = make_learner("staff@example.com", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    return user


def test_the_learner_sees_this_weeks_email(client, planned):
    alice, _ = planned
    client.force_login(alice)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.text
    assert "2.5 h this week" in page  # the subject
    assert f'src="{BODY}"' in page
    assert "<iframe" in page and 'sandbox="allow-same-origin allow-popups' in page
    assert "Here is your week, 2 – 8 March" in page  # the text part, shown as text
    # The page itself keeps the site's strict policy.
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "style-src 'self' 'nonce-" in policy


def test_the_emails_document_allows_inline_styles_and_nothing_else(client, planned):
    alice, _ = planned
    client.force_login(alice)
    response = client.get(BODY)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'self'; sandbox allow-same-origin allow-popups "
        "allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
    )
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in response["Cache-Control"]
    assert 'style="' in response.text and "<table" in response.text
    assert "2.5 h this week" in response.text


def test_previewing_writes_nothing(client, planned):
    alice, _ = planned
    schedules = list(WeeklySchedule.objects.values())
    client.force_login(alice)
    client.get(PAGE)
    client.get(BODY)
    assert not WeeklyEmail.objects.exists()
    assert list(WeeklySchedule.objects.values()) == schedules


def test_staff_can_preview_any_learners_email(client, planned, staff):
    alice, _ = planned
    client.force_login(staff)
    page = client.get(PAGE, {"learner": alice.pk})
    assert page.status_code == 200
    assert "Alice&#x27;s secret goal" in page.text and "alice@example.com" in page.text
    assert f'src="{BODY}?learner={alice.pk}"' in page.text
    body = client.get(BODY, {"learner": alice.pk})
    assert body.status_code == 200 and "Alice&#x27;s secret goal" in body.text
    assert client.get(PAGE, {"learner": 987654}).status_code == 404


def test_staff_without_permission_to_view_accounts_get_404_for_a_learners_email(client, planned):
    alice, _ = planned
    client.force_login(make_learner("helper@example.com", is_staff=True))  # no permissions
    for url in (PAGE, BODY):
        response = client.get(url, {"learner": alice.pk})
        assert response.status_code == 404
        assert "secret goal" not in response.text
    assert client.get("/admin/learners/user/").status_code == 403  # as the admin says


def test_another_learner_asking_for_someone_elses_email_gets_404(client, planned):
    alice, bob = planned
    client.force_login(bob)
    for url in (PAGE, BODY):
        response = client.get(url, {"learner": alice.pk})
        assert response.status_code == 404
        assert "secret goal" not in response.text
        assert client.get(url, {"learner": "x"}).status_code == 404
        assert client.get(url, {"learner": bob.pk}).status_code == 200  # their own, by id


def test_a_learner_without_a_plan_is_told_no_email_is_sent(client, db):
    carol = make_learner("carol@example.com")
    client.force_login(carol)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "no active plan, so no weekly email is sent" in page.text
    assert "<iframe" not in page.text
    assert client.get(BODY).status_code == 404


def test_a_learner_who_turned_it_off_sees_what_it_would_look_like(client, planned):
    alice, _ = planned
    alice.weekly_email = False
    alice.save(update_fields=["weekly_email"])
    client.force_login(alice)
    page = client.get(PAGE).text
    assert "turned the weekly email off" in page
    assert "<iframe" in page


def test_it_shows_the_next_send_time_on_the_learners_clock(client, planned):
    alice, _ = planned
    # She has had the email for weeks and this Monday's (08:00 UTC) is pending for the sender.
    WeeklySchedule.objects.filter(learner=alice).update(
        next_send_at=datetime(2026, 3, 9, 8, tzinfo=UTC)
    )
    alice.time_zone = "Pacific/Tongatapu"
    alice.save(update_fields=["time_zone"])
    client.force_login(alice)
    # Monday's email (about 2–8 March) hasn't gone out on the new clock yet: it's owed now.
    assert "Due now: it goes with the sender’s next run" in client.get(PAGE).text
    WeeklyEmail.objects.create(learner=alice, week_start=date(2026, 3, 2), status="sent")
    alice.save(update_fields=["time_zone"])
    assert "Monday 16 March 2026, 08:00 (Pacific/Tongatapu)" in client.get(PAGE).text


@pytest.mark.parametrize("history", [10, 1000])
def test_the_preview_query_count_does_not_grow_with_history(
    client, planned, django_assert_num_queries, history
):
    alice, _ = planned
    StudySession.objects.bulk_create(
        StudySession(learner=alice, date=date(2025, 1, 1) + timedelta(days=i % 400), minutes=20)
        for i in range(history)
    )
    client.force_login(alice)
    # session, user; the report; the learner's schedule
    with django_assert_num_queries(2 + REPORT_QUERIES + 1):
        assert client.get(PAGE).status_code == 200
    # session, user; the report
    with django_assert_num_queries(2 + REPORT_QUERIES):
        assert client.get(BODY).status_code == 200
