"""The mentors' emails over a real SMTP server on loopback (aiosmtpd): the review-request email
(batched by the hour), the mentor digest (Monday 08:00 on the mentor's clock, exactly once, its
own unsubscribe, scoped to what the learner shares), and "From your mentors" in the learner's
weekly email."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from learners.mentors import notify, relationship, threads
from learners.mentors.models import ReviewRequest
from learners.models import StudySession
from learners.record.models import Failure
from learners.weekly.digest import DIGEST_QUERIES, build_digest
from learners.weekly.models import Kind, WeeklyEmail, WeeklySchedule
from learners.weekly.sender import RunReport, claim, deliver
from learners.weekly.sink import SmtpSink
from learners.weekly.tokens import DIGEST_SALT, unsubscribe_token
from tests.factories import make_learner, make_modules, make_plan

pytestmark = pytest.mark.django_db

SITE = "https://trajectory.example.com"
WORLD_AT = datetime(2026, 3, 3, 10, tzinfo=UTC)  # a Tuesday
REPORT_WEEK = date(2026, 3, 2)
# Monday 9 March, 08:00 in Berlin (UTC+1): the mentor's digest is due.
DIGEST_AT = datetime(2026, 3, 9, 7, tzinfo=UTC)


@pytest.fixture
def smtp(settings):
    settings.SITE_URL = SITE
    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        yield sink


def send(now: datetime) -> str:
    out = io.StringIO()
    with time_machine.travel(now, tick=False):
        call_command("send_weekly_progress", "--now", now.isoformat(), stdout=out)
    return out.getvalue()


def to(sink: SmtpSink, address: str) -> list:
    """What `address` received, leaving out the invite that made them a mentor."""
    return [
        message
        for message in sink.messages
        if message.recipients == (address,)
        and "asks you to mentor" not in message.parsed()["Subject"]
    ]


def digests(sink: SmtpSink, address: str) -> list:
    return [m for m in to(sink, address) if m.parsed()["Subject"].startswith("Your mentoring")]


def parts(message) -> tuple[str, str]:
    parsed = message.parsed()
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    return text, html


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def learner_with_mentor(email: str, mentor, *, minutes=(120, 60)) -> dict:
    """A learner (UTC) in week 2 of a plan, mentored by `mentor` since WORLD_AT (scope: only
    what they mark), with a shared failure and a PRIVATE one, and hours logged last week."""
    with at(WORLD_AT):
        learner = make_learner(email, display_name=email.split("@")[0].title())
        modules = make_modules(2, prefix=email.split("@")[0])
        make_plan(
            learner,
            modules,
            start_date=date(2026, 2, 23),
            target_end=date(2026, 5, 18),
            weekly_hours=Decimal("8"),
        )
        mentorship = relationship.accept(relationship.invite(learner, mentor.email), mentor)
        shared = Failure.objects.create(
            learner=learner,
            module=modules[0],
            title="SHARED failure",
            lesson="Clip first",
            happened_on=date(2026, 3, 3),
            shared_with_mentors=True,
        )
        Failure.objects.create(
            learner=learner,
            module=modules[0],
            title="PRIVATE failure of mine",
            lesson="PRIVATE lesson",
            happened_on=date(2026, 3, 3),
        )
    StudySession.objects.bulk_create(
        StudySession(learner=learner, date=date(2026, 3, 4) + timedelta(days=i), minutes=m)
        for i, m in enumerate(minutes)
    )
    return {"learner": learner, "mentorship": mentorship, "shared": shared, "modules": modules}


def ask(world: dict, question: str, moment: datetime) -> ReviewRequest:
    with at(moment):
        return threads.ask(
            world["mentorship"], threads.Subject(kind="failure", failure=world["shared"]), question
        )


@pytest.fixture
def mira(db):
    with at(WORLD_AT):
        return make_learner("mira@example.com", display_name="Mira", time_zone="Europe/Berlin")


@pytest.fixture
def world(mira) -> dict:
    return learner_with_mentor("ada@example.com", mira)


# --- the review-request email ---------------------------------------------------------------------


def test_requests_within_an_hour_make_one_email_and_the_next_comes_an_hour_later(smtp, mira, world):
    start = datetime(2026, 3, 10, 10, tzinfo=UTC)
    ask(world, "Is clipping at 1.0 the right fix?", start)
    ask(world, "Should I have seen the NaN earlier?", start + timedelta(minutes=20))
    send(start + timedelta(minutes=30))
    assert to(smtp, mira.email) == []  # the first one's hour isn't up
    output = send(start + timedelta(minutes=61))
    assert "review-request emails 1" in output
    [first] = to(smtp, mira.email)
    text, html = parts(first)
    assert first.parsed()["Subject"] == "Ada asks you for 2 reviews"
    for part in (text, html):
        assert "Is clipping at 1.0 the right fix?" in part
        assert "Should I have seen the NaN earlier?" in part
        # What it is about is named by kind; the learner's titles stay on the site.
        assert "SHARED" not in part and "PRIVATE" not in part
    assert f"{SITE}/mentoring/{world['mentorship'].pk}/requests/" in text
    # A third, after that email: not within an hour of it, then alone in a second email.
    ask(world, "And the warmup?", start + timedelta(minutes=70))
    send(start + timedelta(minutes=100))
    send(start + timedelta(minutes=125))  # the last email was 64 minutes ago, the third's 55
    assert len(to(smtp, mira.email)) == 1
    send(start + timedelta(minutes=131))
    _, second = to(smtp, mira.email)
    text, _ = parts(second)
    assert second.parsed()["Subject"] == "Ada asks you for a review"
    assert "And the warmup?" in text and "Is clipping" not in text
    send(start + timedelta(hours=5))
    assert len(to(smtp, mira.email)) == 2
    assert not ReviewRequest.objects.filter(emailed_at=None).exists()


def test_two_workers_with_the_same_batch_send_one_email(smtp, mira, world):
    start = datetime(2026, 3, 10, 10, tzinfo=UTC)
    ask(world, "One question", start)
    due = start + timedelta(hours=1)
    with at(due):
        assert notify.send_due(world["mentorship"].pk, due) == 1
        assert notify.send_due(world["mentorship"].pk, due) == 0
    assert len(to(smtp, mira.email)) == 1


def test_a_refused_email_gives_its_batch_back_for_the_next_sweep(smtp, mira, world):
    from learners.weekly.sink import Behaviour

    start = datetime(2026, 3, 10, 10, tzinfo=UTC)
    ask(world, "One question", start)
    smtp.behaviour = Behaviour(refuse={mira.email})
    send(start + timedelta(hours=1))
    assert ReviewRequest.objects.get().emailed_at is None
    smtp.behaviour = Behaviour()
    send(start + timedelta(hours=1, minutes=5))
    assert len(to(smtp, mira.email)) == 1


def test_no_email_for_a_request_closed_or_a_mentorship_ended_before_its_hour(smtp, mira, world):
    start = datetime(2026, 3, 10, 10, tzinfo=UTC)
    review = ask(world, "One question", start)
    threads.close(review)
    send(start + timedelta(hours=2))
    ask(world, "Another", start + timedelta(hours=2))
    relationship.end(world["mentorship"])
    send(start + timedelta(hours=4))
    assert to(smtp, mira.email) == []


# --- the mentor digest ---------------------------------------------------------------------------


def conversation(world: dict, mira) -> None:
    """Last week: an open request, the learner's message in its thread, a mentor's comment."""
    review = ask(world, "Is clipping at 1.0 the right fix?", datetime(2026, 3, 5, 12, tzinfo=UTC))
    with at(datetime(2026, 3, 6, 12, tzinfo=UTC)):
        threads.reply(review, world["learner"], "I also tried a lower learning rate.")
        threads.comment(world["mentorship"], mira, world["shared"], "Clip the gradients first.")


def test_the_digest_goes_once_at_the_mentors_monday_8_in_their_zone(smtp, mira, world):
    conversation(world, mira)
    send(datetime(2026, 3, 4, 9, tzinfo=UTC))  # the week before: schedules the first digest
    assert WeeklySchedule.objects.get(learner=mira).next_digest_at == DIGEST_AT
    send(DIGEST_AT - timedelta(minutes=1))
    assert digests(smtp, mira.email) == []
    output = send(DIGEST_AT)
    assert "sent 1" in output and "of them mentor digests 1" in output
    send(DIGEST_AT)
    send(DIGEST_AT + timedelta(hours=3))
    [digest] = digests(smtp, mira.email)
    parsed = digest.parsed()
    assert parsed["Subject"] == (
        "Your mentoring week, 2 – 8 March: 1 learner, 1 open review request"
    )
    token = unsubscribe_token(mira, DIGEST_SALT)
    assert parsed["List-Unsubscribe"] == f"<{SITE}/email/digest/unsubscribe/{token}/>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(digest)
    for part in (text, html):
        assert "Week 2 of 12 of “Build a chatbot”" in part
        assert "3 h of 8 h (38%)" in part
        assert "Is clipping at 1.0 the right fix?" in part  # the open request
        assert "I also tried a lower learning rate." in part  # the learner's message
        # Scoped: nothing the learner doesn't share, and no title at all.
        assert "PRIVATE" not in part and "SHARED" not in part
        # The mentor's own comment is not news to them.
        assert "Clip the gradients first." not in part
    assert f"{SITE}/mentoring/{world['mentorship'].pk}/" in text
    row = WeeklyEmail.objects.get(learner=mira)
    assert (row.kind, row.week_start, row.status) == (Kind.DIGEST, REPORT_WEEK, "sent")
    # The next one is the next Monday 08:00 in Berlin.
    assert WeeklySchedule.objects.get(learner=mira).next_digest_at == DIGEST_AT + timedelta(weeks=1)


def test_two_senders_racing_for_the_digest_send_one(smtp, mira, world):
    send(datetime(2026, 3, 4, 9, tzinfo=UTC))
    # Both senders read the due schedule before either claims it.
    reads = [
        list(WeeklySchedule.objects.due(DIGEST_AT, Kind.DIGEST).with_learner(Kind.DIGEST))
        for _ in range(2)
    ]
    first, second = RunReport(now=DIGEST_AT), RunReport(now=DIGEST_AT)
    with at(DIGEST_AT):
        won = claim(reads[0][0], DIGEST_AT, first, Kind.DIGEST)
        lost = claim(reads[1][0], DIGEST_AT, second, Kind.DIGEST)
        assert won is not None and lost is None and second.lost_to_another_sender == 1
        # And the same queued row handed to two workers: one sends.
        assert [deliver(won, DIGEST_AT), deliver(won, DIGEST_AT)] == ["sent", "not_queued"]
    assert len(digests(smtp, mira.email)) == 1


def test_an_unsubscribed_mentor_gets_no_digest_and_keeps_their_weekly_email(smtp, mira, world):
    send(datetime(2026, 3, 4, 9, tzinfo=UTC))
    client = Client()
    url = f"/email/digest/unsubscribe/{unsubscribe_token(mira, DIGEST_SALT)}/"
    page = client.get(url)
    assert page.status_code == 200 and "Stop the mentor digest?" in page.text
    mira.refresh_from_db()
    assert mira.mentor_digest  # GET only asks
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    mira.refresh_from_db()
    assert (mira.mentor_digest, mira.weekly_email) == (False, True)
    assert WeeklySchedule.objects.get(learner=mira).next_digest_at is None
    send(DIGEST_AT)
    assert digests(smtp, mira.email) == []
    # A forged token is a 404, not a 500; the weekly email's token doesn't stop the digest.
    assert client.get("/email/digest/unsubscribe/nonsense/").status_code == 404
    weekly_token = unsubscribe_token(mira)
    assert client.post(f"/email/digest/unsubscribe/{weekly_token}/").status_code == 404


def test_a_mentor_with_no_active_learners_gets_no_digest(smtp, mira, world):
    send(datetime(2026, 3, 4, 9, tzinfo=UTC))
    relationship.end(world["mentorship"])
    output = send(DIGEST_AT)
    assert "mentor digest with no learners 1" in output
    assert digests(smtp, mira.email) == []
    assert WeeklySchedule.objects.get(learner=mira).next_digest_at is None


def test_building_the_digest_costs_the_same_queries_for_1_or_5_learners(
    mira, django_assert_num_queries
):
    worlds = [learner_with_mentor("ada@example.com", mira)]
    conversation(worlds[0], mira)
    with django_assert_num_queries(DIGEST_QUERIES):
        one = build_digest(mira, REPORT_WEEK, DIGEST_AT)
    for name in ("bo", "cy", "di", "ed"):
        world = learner_with_mentor(f"{name}@example.com", mira)
        conversation(world, mira)
        worlds.append(world)
    # the mentorships with their learners, their plan scope; the active plans with their lists,
    # their pauses; the plan states (5); minutes by day; last activity (6); open requests; the
    # learners' messages of the week
    with django_assert_num_queries(DIGEST_QUERIES):
        five = build_digest(mira, REPORT_WEEK, DIGEST_AT)
    assert DIGEST_QUERIES == 18
    assert (len(one.learners), len(five.learners)) == (1, 5)
    assert all(len(week.requests) == 1 and len(week.messages) == 1 for week in five.learners)


# --- "From your mentors" in the learner's weekly email ---------------------------------------------


def test_the_weekly_email_carries_the_weeks_comments_from_mentors(smtp, mira, world):
    conversation(world, mira)
    with at(datetime(2026, 3, 7, 12, tzinfo=UTC)):
        review = ReviewRequest.objects.get()
        threads.reply(review, mira, "Yes: 1.0 is a fine start.", answered=True)
    with at(datetime(2026, 2, 27, 12, tzinfo=UTC)):  # the week before: not this email's
        threads.comment(world["mentorship"], mira, world["modules"][1], "OLD comment")
    send(datetime(2026, 3, 9, 8, tzinfo=UTC))
    [weekly] = to(smtp, "ada@example.com")
    text, html = parts(weekly)
    failure_url = f"{SITE}/failures/{world['shared'].pk}/#mentor-comments"
    assert "FROM YOUR MENTORS" in text and "From your mentors" in html
    assert "Mira commented on your failure “SHARED failure”:" in text
    assert "“Clip the gradients first.”" in text and failure_url in text
    assert "Mira answered your review request (a failure):" in text
    assert f"{SITE}/mentors/requests/{review.pk}/" in text
    assert f'href="{failure_url}"' in html and "Yes: 1.0 is a fine start." in html
    assert "OLD comment" not in text
    # The learner's own message in the thread is not "from your mentors".
    assert "I also tried a lower learning rate." not in text


def test_a_hidden_comment_is_not_in_the_weekly_email(smtp, mira, world):
    conversation(world, mira)
    comment = threads.comments_on(world["learner"], {"failure": [world["shared"].pk]})[0]
    threads.hide(comment, world["learner"], True)
    send(datetime(2026, 3, 9, 8, tzinfo=UTC))
    [weekly] = to(smtp, "ada@example.com")
    text, html = parts(weekly)
    assert "Clip the gradients first." not in text + html
    assert "FROM YOUR MENTORS" not in text and "From your mentors" not in html
