"""Study sessions and the timer: logging, validation that saves nothing, and idempotent stops."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from learners.models import StudySession, Timer
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def modules(client, alice):
    modules = make_modules(2)
    make_plan(alice, modules)
    client.force_login(alice)
    return modules


def _form(alice, **fields):
    data = {
        "session-date": alice.local_today().isoformat(),
        "session-minutes": "45",
        "session-module": "",
        "session-description": "Read the paper",
    }
    data.update({f"session-{key}": value for key, value in fields.items()})
    return data


def test_a_plain_post_logs_and_redirects_back(client, alice, modules):
    response = client.post("/sessions/", {**_form(alice, module=modules[0].pk), "next": "/"})
    assert response.status_code == 302
    session = StudySession.objects.get(learner=alice)
    assert (session.minutes, session.module, session.description) == (
        45,
        modules[0],
        "Read the paper",
    )


def test_an_htmx_post_from_the_dashboard_moves_the_hours_bar(client, alice, modules):
    text = client.post(
        "/sessions/", {**_form(alice, minutes="90"), "page": "dashboard"}, headers=HTMX
    ).text
    assert text.lstrip().startswith('<section id="quick-log"')
    assert "Logged 90 minutes." in text
    assert (
        'id="hours-week" class="card" aria-labelledby="hours-heading" data-hx-swap-oob="true"'
        in text
    )
    assert '<strong data-count="hours-week">1.5</strong>' in text
    assert 'id="charts"' in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # One rule, one message, whichever side of it (the model's bounds said "≥ 0" for −30
        # and "≥ 1" for 0).
        ("minutes", "-30", "Minutes are a whole number from 1 to 1440 (a day)."),
        ("minutes", "0", "Minutes are a whole number from 1 to 1440 (a day)."),
        ("minutes", "1441", "Minutes are a whole number from 1 to 1440 (a day)."),
        ("minutes", "lots", "Minutes are a whole number from 1 to 1440 (a day)."),
        ("minutes", "", "This field is required"),
        ("date", "not-a-date", "Enter a valid date"),
        ("date", "1999-12-31", "too far in the past"),
        ("description", "x" * 501, "at most 500 characters"),
        ("module", "999999", "Select a valid choice"),
    ],
)
def test_bad_values_are_explained_and_nothing_is_saved(
    client, alice, modules, field, value, message
):
    for headers in ({}, HTMX):
        response = client.post(
            "/sessions/", {**_form(alice, **{field: value}), "page": "dashboard"}, headers=headers
        )
        assert response.status_code == 422
        assert message in response.text
    assert not StudySession.objects.exists()


def test_a_future_day_is_refused(client, alice, modules):
    future = (alice.local_today() + timedelta(days=3)).isoformat()
    response = client.post("/sessions/", _form(alice, date=future))
    assert response.status_code == 422
    assert "hasn&#x27;t happened yet" in response.text


def test_a_module_outside_the_plan_is_not_a_choice(client, alice, modules):
    (other,) = make_modules(1, prefix="other")
    response = client.post("/sessions/", _form(alice, module=other.pk))
    assert response.status_code == 422


def test_a_past_session_is_logged_from_a_modules_page_even_outside_the_plan(client, alice, modules):
    (other,) = make_modules(1, prefix="other")
    page = client.get(f"/modules/{other.slug}/").text
    assert 'id="quick-log"' in page
    assert f'name="session-module" value="{other.pk}"' in page  # the page's module, fixed
    yesterday = (alice.local_today() - timedelta(days=1)).isoformat()
    data = {**_form(alice, module=other.pk, date=yesterday, minutes="50"), "page": "module"}
    text = client.post("/sessions/", {**data, "page_module": other.slug}, headers=HTMX).text
    assert f"Logged 50 minutes on {other.title}." in text
    # The module's time spent comes along, and the next view of the page shows it too.
    assert (
        'id="module-time" class="card" aria-labelledby="module-time-heading" data-hx-swap-oob'
        in text
    )
    session = StudySession.objects.get(learner=alice)
    assert (session.module, session.date.isoformat()) == (other, yesterday)
    assert "50 min" in client.get(f"/modules/{other.slug}/").text


def test_a_modules_page_logs_only_on_its_own_module(client, alice, modules):
    first, second = modules
    data = {**_form(alice, module=second.pk), "page": "module", "page_module": first.slug}
    response = client.post("/sessions/", data, headers=HTMX)
    assert response.status_code == 422
    assert not StudySession.objects.exists()


def test_sessions_are_listed_and_paged(client, alice, modules):
    today = alice.local_today()
    StudySession.objects.bulk_create(
        StudySession(learner=alice, date=today - timedelta(days=i), minutes=30) for i in range(60)
    )
    first = client.get("/sessions/").text
    assert "Page 1 of 2" in first
    assert client.get("/sessions/", {"page": 2}).status_code == 200


def test_a_session_is_edited_and_deleted(client, alice, modules):
    session = StudySession.objects.create(learner=alice, date=alice.local_today(), minutes=30)
    response = client.post(
        f"/sessions/{session.pk}/edit/", _form(alice, minutes="75", description="longer")
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.minutes, session.description) == (75, "longer")
    bad = client.post(f"/sessions/{session.pk}/edit/", _form(alice, minutes="-5"))
    assert bad.status_code == 422
    session.refresh_from_db()
    assert session.minutes == 75
    client.post(f"/sessions/{session.pk}/delete/")
    assert not StudySession.objects.exists()


def test_the_timer_logs_the_elapsed_minutes_once(client, alice, modules):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post("/timer/start/", {"module": modules[0].pk})
        client.post("/timer/start/", {"module": modules[1].pk})  # a second click keeps the first
        assert Timer.objects.get(learner=alice).module == modules[0]
        traveller.shift(timedelta(minutes=42, seconds=10))
        client.post("/timer/stop/")
        client.post("/timer/stop/")  # stopping a stopped timer logs nothing
    session = StudySession.objects.get(learner=alice)
    # To the nearest minute: 42 min 10 s is 42 (rounding every start up logged 43).
    assert (session.minutes, session.module) == (42, modules[0])
    assert not Timer.objects.exists()


@pytest.mark.parametrize(
    ("elapsed", "minutes"),
    [
        (timedelta(seconds=2), None),
        (timedelta(seconds=59), None),
        (timedelta(seconds=60), 1),
        (timedelta(seconds=89), 1),
        (timedelta(seconds=90), 2),
        (timedelta(minutes=30, seconds=29), 30),
    ],
)
def test_the_timer_logs_to_the_nearest_minute_and_nothing_under_one(
    client, alice, modules, elapsed, minutes
):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post("/timer/start/", {"page": "dashboard"}, headers=HTMX)
        traveller.shift(elapsed)
        text = client.post("/timer/stop/", {"page": "dashboard"}, headers=HTMX).text
    session = StudySession.objects.filter(learner=alice).first()
    assert (session.minutes if session else None) == minutes
    assert not Timer.objects.exists()
    if minutes is None:
        seconds = int(elapsed.total_seconds())
        assert f"Stopped after {seconds} seconds: under a minute, so nothing was logged." in text
    else:
        assert f"Logged {minutes} minute{'' if minutes == 1 else 's'}." in text
    # The rule is on the card before anyone finds it out.
    assert "a timer stopped within its first minute logs nothing" in text


def test_an_htmx_timer_start_shows_it_running(client, alice, modules):
    text = client.post("/timer/start/", {"page": "dashboard"}, headers=HTMX).text
    assert text.lstrip().startswith('<section id="timer"')
    assert "Running since" in text
    assert "data-timer-start=" in text


def test_a_timer_left_running_logs_at_most_a_day(client, alice, modules):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post("/timer/start/")
        traveller.shift(timedelta(days=3))
        client.post("/timer/stop/")
    assert StudySession.objects.get(learner=alice).minutes == 24 * 60


def test_stopping_a_timer_from_another_modules_page_refreshes_that_page_not_the_timers(
    client, alice, modules
):
    first, second = modules
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post("/timer/start/", {"module": first.pk})
        traveller.shift(timedelta(minutes=5))  # a timer stopped within a minute logs nothing
        text = client.post(
            "/timer/stop/", {"page": "module", "page_module": second.slug}, headers=HTMX
        ).text
    # The answer belongs to the page it was used on: its timer starts the next one there.
    assert f'name="page_module" value="{second.slug}"' in text
    assert f'name="module" value="{second.pk}"' in text
    assert f"/modules/{first.slug}/" not in text
    assert StudySession.objects.get(learner=alice).module == first
