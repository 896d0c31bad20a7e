"""Mentors: the invite (real SMTP on loopback), accepting it once, scope, ending it, the access
log, and the mentor home's rows in a constant number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learners.mentors import relationship
from learners.mentors.home import QUIET_DAYS, rows_for
from learners.mentors.models import Mentorship, Share, Status, Visit
from learners.models import StudySession
from learners.weekly.sink import SmtpSink
from tests.factories import make_learner, make_modules, make_plan

pytestmark = pytest.mark.django_db

MENTOR = "mentor@example.com"


@pytest.fixture
def smtp(settings):
    settings.SITE_URL = "https://trajectory.example.com"
    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        yield sink


def invite_link(sink: SmtpSink) -> str:
    body = sink.messages[-1].parsed().get_body(preferencelist=("plain",)).get_content()
    url = re.search(r"https://trajectory\.example\.com(/mentoring/invite/[^/\s]+/)", body)
    assert url, body
    return url.group(1)


def invite_by_page(client, learner, email=MENTOR, message="Could you watch my pace?"):
    client.force_login(learner)
    # Followed, so that its "Invite sent" message is read here, not on the next page.
    return client.post("/mentors/invite/", {"email": email, "message": message}, follow=True)


# --- the invite ------------------------------------------------------------------------------


def test_an_invite_is_an_email_with_a_link_that_works_once(client, alice, smtp):
    make_plan(alice, make_modules(2))
    response = invite_by_page(client, alice)
    assert response.redirect_chain == [("/mentors/", 302)]
    assert "Invite sent to mentor@example.com" in response.text
    [sent] = smtp.messages
    assert sent.recipients == (MENTOR,)
    parsed = sent.parsed()
    assert "asks you to mentor" in parsed["Subject"]
    assert "Could you watch my pace?" in parsed.get_body(preferencelist=("plain",)).get_content()
    link = invite_link(smtp)

    mentor = make_learner(MENTOR)
    client.force_login(mentor)
    page = client.get(link)
    assert page.status_code == 200
    assert "Accept" in page.text and "Could you watch my pace?" in page.text
    accepted = client.post(link, {"answer": "accept"})
    assert accepted.status_code == 302 and accepted["Location"] == "/mentoring/"
    mentorship = Mentorship.objects.get()
    assert (mentorship.status, mentorship.mentor) == (Status.ACTIVE, mentor)
    # The active plan is in the first scope; notes, failures and runs only when marked.
    assert [row.plan.learner for row in mentorship.plan_scope.all()] == [alice]
    assert (mentorship.notes, mentorship.failures, mentorship.runs) == (Share.MARKED,) * 3
    # Used once: the same link again says so, and changes nothing.
    again = client.post(link, {"answer": "decline"})
    assert again.status_code == 410 and "used or replaced" in again.text
    assert Mentorship.objects.get().status == Status.ACTIVE


def test_only_the_invited_address_accepts(client, alice, bob, smtp):
    invite_by_page(client, alice)
    link = invite_link(smtp)
    client.force_login(bob)
    page = client.get(link)
    assert page.status_code == 403 and "another address (me…@example.com)" in page.text
    assert "mentor@example.com" not in page.text  # a forwarded link doesn't give it away
    assert client.post(link, {"answer": "accept"}).status_code == 403
    assert Mentorship.objects.get().status == Status.PENDING


def test_a_newcomer_signs_up_through_the_link_and_lands_in_the_mentor_view(client, alice, smtp):
    invite_by_page(client, alice)
    link = invite_link(smtp)
    client.logout()
    page = client.get(link)
    signup = re.search(r'href="(/signup/\?[^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert "me…@example.com" in page.text and "mentor@example.com" not in page.text
    password = "a-long-mentor-password-9"
    response = client.post(
        signup,
        {"email": MENTOR, "password1": password, "password2": password, "next": link},
    )
    assert response.status_code == 302 and response["Location"] == link
    assert client.post(link, {"answer": "accept"})["Location"] == "/mentoring/"
    home = client.get("/mentoring/")
    assert "alice" in home.text.lower()
    assert "Nobody has asked you" not in home.text


def test_an_invite_link_expires_after_seven_days(client, alice, smtp):
    invite_by_page(client, alice)
    link = invite_link(smtp)
    client.force_login(make_learner(MENTOR))
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(link, {"answer": "accept"})
    assert response.status_code == 410 and "more than 7 days old" in response.text
    assert Mentorship.objects.get().status == Status.PENDING


@pytest.mark.parametrize("token", ["nonsense", "eyJtIjoxfQ:1vX:abc"])
def test_a_made_up_link_is_refused_in_words(client, token):
    response = client.get(f"/mentoring/invite/{token}/")
    assert response.status_code == 410 and "isn&#x27;t valid" in response.text


def test_resending_waits_an_hour_and_replaces_the_link(client, alice, smtp):
    invite_by_page(client, alice)
    first = invite_link(smtp)
    mentorship = Mentorship.objects.get()
    too_soon = client.post(f"/mentors/{mentorship.pk}/resend/", follow=True)
    assert "you can send it again in" in too_soon.text
    assert len(smtp.messages) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        client.post(f"/mentors/{mentorship.pk}/resend/")
    assert len(smtp.messages) == 2
    second = invite_link(smtp)
    assert second != first
    client.force_login(make_learner(MENTOR))
    assert client.post(first, {"answer": "accept"}).status_code == 410
    assert client.post(second, {"answer": "accept"}).status_code == 302


def test_a_withdrawn_invite_no_longer_opens(client, alice, smtp):
    invite_by_page(client, alice)
    link = invite_link(smtp)
    client.post(f"/mentors/{Mentorship.objects.get().pk}/withdraw/")
    assert Mentorship.objects.get().status == Status.WITHDRAWN
    client.force_login(make_learner(MENTOR))
    assert client.post(link, {"answer": "accept"}).status_code == 410


def test_bad_invites_are_refused_with_the_reason_and_send_nothing(client, alice, smtp):
    assert invite_by_page(client, alice, email="not an address").status_code == 422
    mine = invite_by_page(client, alice, email=alice.email.upper())
    assert mine.status_code == 422 and "You can&#x27;t mentor yourself" in mine.text
    long = invite_by_page(client, alice, message="x" * 1001)
    assert long.status_code == 422
    assert smtp.messages == [] and not Mentorship.objects.exists()


def test_twenty_invites_a_day_at_most(alice, smtp):
    for n in range(relationship.INVITES_A_DAY):
        relationship.invite(alice, f"m{n}@example.com")
    with pytest.raises(relationship.MentorshipError, match="enough invites for today"):
        relationship.invite(alice, "one-more@example.com")


def test_inviting_a_pending_address_again_is_a_resend(alice, smtp):
    relationship.invite(alice, MENTOR)
    with pytest.raises(relationship.MentorshipError, match="less than an hour ago"):
        relationship.invite(alice, MENTOR.upper())
    assert Mentorship.objects.count() == 1


# --- scope and ending ------------------------------------------------------------------------


def accepted(learner, mentor) -> Mentorship:
    mentorship = relationship.invite(learner, mentor.email)
    return relationship.accept(mentorship, mentor)


def test_the_learner_chooses_the_scope_and_bad_choices_change_nothing(client, alice, smtp):
    modules = make_modules(2)
    plan = make_plan(alice, modules)
    mentor = make_learner(MENTOR)
    mentorship = accepted(alice, mentor)
    client.force_login(alice)
    good = {
        "which_plans": "all",
        "plans": [str(plan.pk)],
        "notes": "all",
        "failures": "none",
        "runs": "marked",
    }
    assert client.post(f"/mentors/{mentorship.pk}/scope/", good).status_code == 302
    mentorship.refresh_from_db()
    assert (mentorship.all_plans, mentorship.notes, mentorship.failures) == (True, "all", "none")
    bob_plan = make_plan(make_learner("bob2@example.com"), modules[:1])
    for bad in ({"notes": "everything"}, {"plans": [str(bob_plan.pk)]}):
        response = client.post(f"/mentors/{mentorship.pk}/scope/", {**good, **bad})
        assert response.status_code == 422
        assert 'role="alert"' in response.text
    mentorship.refresh_from_db()
    assert mentorship.notes == "all"
    assert [row.plan_id for row in mentorship.plan_scope.all()] == [plan.pk]


def test_either_side_ends_it_and_the_mentor_loses_the_learner(client, alice, bob, smtp):
    make_plan(alice, make_modules(1))
    mentor = make_learner(MENTOR)
    first = accepted(alice, mentor)
    client.force_login(mentor)
    assert "alice" in client.get("/mentoring/").text.lower()
    client.force_login(alice)
    client.post(f"/mentors/{first.pk}/end/")
    client.force_login(mentor)
    assert "Nobody has asked you" in client.get("/mentoring/").text
    assert client.post(f"/mentoring/{first.pk}/end/").status_code == 404

    second = accepted(bob, mentor)
    assert client.post(f"/mentoring/{second.pk}/end/").status_code == 302
    assert Mentorship.objects.get(pk=second.pk).status == Status.ENDED


def test_the_learner_sees_when_each_mentor_last_looked_and_what(client, alice, smtp):
    mentor = make_learner(MENTOR, display_name="Mira")
    mentorship = accepted(alice, mentor)
    Visit.objects.create(mentorship=mentorship, path="/mentoring/1/failures/")
    Visit.objects.create(
        mentorship=mentorship, path="/mentoring/1/old/", at=timezone.now() - timedelta(days=91)
    )
    client.force_login(alice)
    page = client.get("/mentors/").text
    assert "Mira" in page and "last looked" in page
    assert "/mentoring/1/failures/" in page
    assert "/mentoring/1/old/" not in page  # older than 90 days


# --- the mentor home -------------------------------------------------------------------------


def test_the_home_says_week_hours_pace_and_flags_a_quiet_learner(alice, bob, smtp):
    mentor = make_learner(MENTOR)
    modules = make_modules(2)
    with time_machine.travel(timezone.now() - timedelta(weeks=2)):
        make_plan(alice, modules)
        make_plan(bob, modules)
    accepted(alice, mentor)
    accepted(bob, mentor)
    today = alice.local_today()
    StudySession.objects.create(learner=alice, module=modules[0], date=today, minutes=90)
    StudySession.objects.create(
        learner=bob, module=modules[0], date=today - timedelta(days=QUIET_DAYS + 1), minutes=30
    )
    rows = {row.learner.email: row for row in rows_for(mentor)}
    assert rows["alice@example.com"].week_number == 3
    assert rows["alice@example.com"].hours_this_week == 1.5
    assert rows["alice@example.com"].forecast is not None
    assert not rows["alice@example.com"].quiet
    assert rows["bob@example.com"].quiet
    assert rows["bob@example.com"].days_quiet == QUIET_DAYS + 1


def test_the_home_costs_the_same_queries_for_one_learner_or_twenty(client, smtp):
    mentor = make_learner(MENTOR)
    modules = make_modules(3)

    def add_learner(n: int) -> None:
        learner = make_learner(f"learner{n}@example.com")
        make_plan(learner, modules)
        StudySession.objects.create(
            learner=learner, module=modules[0], date=learner.local_today(), minutes=30
        )
        accepted(learner, mentor)

    client.force_login(mentor)
    counts = []
    for target in (1, 20):
        while Mentorship.objects.filter(mentor=mentor).count() < target:
            add_learner(Mentorship.objects.count())
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/mentoring/")
        assert page.status_code == 200
        assert page.text.count('class="card mentee') == target
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- the share mark --------------------------------------------------------------------------


def test_one_click_shares_a_note_and_another_keeps_it_private(client, alice, bob):
    from learners.models import Note

    module = make_modules(1)[0]
    note = Note.objects.create(learner=alice, module=module, body="a note")
    client.force_login(alice)
    page = client.get(module.get_absolute_url()).text
    assert f'id="share-note_share-{note.pk}"' in page and "Share with mentors" in page
    answer = client.post(
        f"/notes/{note.pk}/share/", {"shared": "on"}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200
    assert 'aria-pressed="true"' in answer.text and "Shared with mentors" in answer.text
    note.refresh_from_db()
    assert note.shared_with_mentors
    # Sent again, the same form leaves it shared (a mark is set, never flipped).
    client.post(f"/notes/{note.pk}/share/", {"shared": "on"})
    note.refresh_from_db()
    assert note.shared_with_mentors
    assert client.post(f"/notes/{note.pk}/share/", {"shared": "maybe"}).status_code == 400
    client.post(f"/notes/{note.pk}/share/", {"shared": "off", "next": "/failures/"})
    note.refresh_from_db()
    assert not note.shared_with_mentors
    client.force_login(bob)
    assert client.post(f"/notes/{note.pk}/share/", {"shared": "on"}).status_code == 404
    note.refresh_from_db()
    assert not note.shared_with_mentors
