"""`manage.py send_weekly_progress` delivering through a real SMTP server on loopback (aiosmtpd)
with Django's SMTP backend: the messages as received, parsed and checked."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from learners.models import User
from learners.weekly.models import Delivery, WeeklyEmail, WeeklySchedule
from learners.weekly.report import REPORT_QUERIES
from learners.weekly.sender import LEASE, MAX_ATTEMPTS, deliver, run_once
from learners.weekly.sink import Behaviour, SmtpSink
from learners.weekly.tokens import unsubscribe_token
from tests.factories import make_learner, make_modules, make_plan
from tests.test_weekly_report import SEND_AT, build_world

pytestmark = pytest.mark.django_db

SITE = "https://trajectory.example.com"
MONDAY = datetime(2026, 3, 9, 8, tzinfo=UTC)

GOLDEN = """\
Hi Ada,

Here is your week, 2 – 8 March: week 9 of 16 of “Build a chatbot”.

12.5 h this week — 2.5 weeks behind

HOURS

12.5 h studied against your target of 8 h (156%), 2.5 h more than last week (10 h).

The last 8 weeks (✓ on target):
12 Jan     6 h  ██████████
19 Jan   8.5 h  ██████████████ ✓
26 Jan     9 h  ██████████████ ✓
2 Feb      8 h  █████████████ ✓
9 Feb      3 h  █████
16 Feb     8 h  █████████████ ✓
23 Feb    10 h  ████████████████ ✓
2 Mar   12.5 h  ████████████████████ ✓

3 weeks in a row on target.

PROGRESS

2 checkpoints ticked, 1 module finished: Backpropagation by hand.

FAILURES AND LESSONS

2 failures logged this week:

- Loss went NaN after 200 steps (Backpropagation by hand)
  Lesson: “Clip gradients before blaming the data.”

- Tokenizer drops emoji (Tokenizers)

EXPERIMENTS

2 runs this week. Best change: val_loss on Backpropagation by hand: 2.31 → 1.98, a new best, 14% better.

PACE

2.5 weeks behind. 2 more hours a week gets you back on track for 26 April.

WHAT'S NEXT

Attention from scratch: first open checkpoint, “Implement scaled dot-product attention and test it against a reference”.
https://trajectory.example.com/modules/m-0002/

FROM YOUR FAILURE LOG, 4 WEEKS AGO

Shape mismatch in attention (Attention from scratch) taught you:
“Print tensor shapes at every layer boundary the first time through.”

--
Your dashboard: https://trajectory.example.com/
Change the day or hour of this email, or turn it off: https://trajectory.example.com/settings/
Unsubscribe: https://trajectory.example.com/email/weekly/unsubscribe/<token>/
"""


@pytest.fixture
def smtp(settings):
    settings.SITE_URL = SITE
    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        yield sink


def send(now: datetime, *args: str) -> str:
    """One run with `--now`, with the clock frozen there too, so that the times the tasks
    write (retry_at, status_at) are exact rather than microseconds later."""
    out = io.StringIO()
    with time_machine.travel(now, tick=False):
        call_command("send_weekly_progress", "--now", now.isoformat(), *args, stdout=out)
    return out.getvalue()


def learner_with_plan(email: str, **fields) -> User:
    """A learner created the week before MONDAY, so their first email is due at MONDAY."""
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        learner = make_learner(email, **fields)
        make_plan(learner, make_modules(2, prefix=email.split("@")[0]))
    return learner


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.hrefs += [value for name, value in attrs if name in {"href", "src"} and value]


# --- the message as received --------------------------------------------------------------------


def test_the_text_part_matches_the_golden_text(smtp):
    ada, _, _ = build_world()
    with time_machine.travel(SEND_AT, tick=False):
        output = send(SEND_AT)
    assert "sent 1" in output
    (received,) = smtp.messages
    text = received.parsed().get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.replace(unsubscribe_token(ada), "<token>") == GOLDEN


def test_the_message_has_both_parts_and_the_list_headers(smtp):
    ada, _, _ = build_world()
    with time_machine.travel(SEND_AT, tick=False):
        send(SEND_AT)
    (received,) = smtp.messages
    assert received.recipients == ("ada@example.com",)
    message = received.parsed()
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "12.5 h this week — 2.5 weeks behind"
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]  # the last is preferred: HTML where shown
    unsubscribe = f"{SITE}/email/weekly/unsubscribe/{unsubscribe_token(ada)}/"
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire as one plain line: an RFC 2047-encoded URL would break one-click unsubscribe.
    assert f"List-Unsubscribe: <{unsubscribe}>\r\n".encode() in received.data.replace(
        b"\r\n", b"\n"
    ).replace(b"\n", b"\r\n")
    assert message["Auto-Submitted"] == "auto-generated"
    row = WeeklyEmail.objects.get(learner=ada)
    assert (row.status, row.week_start, row.attempts) == (Delivery.SENT, date(2026, 3, 2), 1)
    assert row.message_id == message["Message-ID"]
    assert row.subject == message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "<table" in html and "12.5 h this week" in html
    assert "Clip gradients before blaming the data." in html
    assert "Shape mismatch in attention" in html  # the spaced reminder


def test_every_link_is_absolute_from_site_url(smtp):
    build_world()
    with time_machine.travel(SEND_AT, tick=False):
        send(SEND_AT)
    message = smtp.messages[0].parsed()
    parser = Links()
    parser.feed(message.get_body(("html",)).get_content())
    assert len(parser.hrefs) >= 5
    assert [href for href in parser.hrefs if not href.startswith(f"{SITE}/")] == []
    text_links = re.findall(r"https?://\S+", message.get_body(("plain",)).get_content())
    assert len(text_links) == 4
    assert [link for link in text_links if not link.startswith(f"{SITE}/")] == []


def test_the_html_chart_is_tables_with_inline_styles(smtp):
    build_world()
    with time_machine.travel(SEND_AT, tick=False):
        send(SEND_AT)
    html = smtp.messages[0].parsed().get_body(("html",)).get_content()
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    # Eight bars: the report week is the tallest (80 px), 3 h is round(80 × 3 / 12.5) = 19 px.
    assert html.count('height="80" style="height:80px;background-color:#16a34a') == 1
    assert 'height="19" style="height:19px;background-color:#818cf8' in html
    for label in ("12 Jan", "9 Feb", "2 Mar"):
        assert label in html


# --- the unsubscribe link, end to end ------------------------------------------------------------


def test_the_unsubscribe_link_asks_on_get_and_unsubscribes_on_post(smtp):
    ada, _, _ = build_world()
    with time_machine.travel(SEND_AT, tick=False):
        send(SEND_AT)
    link = smtp.messages[0].parsed()["List-Unsubscribe"].strip("<>")
    path = urlsplit(link).path
    # A visitor with no session and strict CSRF checks: the link alone is the credential.
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200
    assert "Stop the weekly progress email?" in page.text
    assert "a••••@example.com" in page.text
    assert f'action="{path}"' in page.text
    ada.refresh_from_db()
    assert ada.weekly_email  # a mail scanner opening the link changes nothing
    response = browser.post(path)
    assert (response.status_code, response["Location"]) == (302, path)
    assert "You’re unsubscribed" in browser.get(path).text
    ada.refresh_from_db()
    assert not ada.weekly_email
    assert WeeklySchedule.objects.get(learner=ada).next_send_at is None
    # Next Monday: nothing for Ada.
    with time_machine.travel(SEND_AT + timedelta(weeks=1), tick=False):
        send(SEND_AT + timedelta(weeks=1))
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_mail_clients_one_click_post_unsubscribes_over_real_http(smtp, live_server):
    import urllib.request

    ada = learner_with_plan("ada@example.com")
    send(MONDAY)
    link = smtp.messages[0].parsed()["List-Unsubscribe"].strip("<>")
    url = live_server.url + urlsplit(link).path
    with urllib.request.urlopen(url) as response:  # noqa: S310 - our own live server
        assert response.status == 200
    ada.refresh_from_db()
    assert ada.weekly_email
    # RFC 8058: a POST with exactly this body, no cookies, no CSRF token, no redirect.
    request = urllib.request.Request(  # noqa: S310 - our own live server
        url, data=b"List-Unsubscribe=One-Click", method="POST"
    )
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 200
        assert response.url == url
    ada.refresh_from_db()
    assert not ada.weekly_email


def test_a_forged_or_mangled_token_is_a_404(client, alice):
    token = unsubscribe_token(alice)
    for bad in (token + "x", "MQ:forged", "x", token.replace(token[:2], "Mg", 1)):
        assert client.get(f"/email/weekly/unsubscribe/{bad}/").status_code == 404
        assert client.post(f"/email/weekly/unsubscribe/{bad}/").status_code == 404
    alice.refresh_from_db()
    assert alice.weekly_email


# --- who gets what, and how often ---------------------------------------------------------------


def test_a_second_run_at_the_same_moment_sends_nothing_more(smtp):
    learner_with_plan("alice@example.com")
    learner_with_plan("bob@example.com")
    assert "sent 2" in send(MONDAY)
    assert "sent 0" in send(MONDAY)
    assert "sent 0" in send(MONDAY + timedelta(hours=3))
    assert smtp.received_by() == {"alice@example.com": 1, "bob@example.com": 1}
    # A week later, one more each.
    send(MONDAY + timedelta(weeks=1))
    assert smtp.received_by() == {"alice@example.com": 2, "bob@example.com": 2}


def test_nothing_is_sent_to_a_learner_without_a_plan_and_their_schedule_moves_on(smtp):
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        carol = make_learner("carol@example.com")
    output = send(MONDAY)
    assert "no active plan 1" in output
    assert smtp.messages == []
    assert not WeeklyEmail.objects.exists()
    assert WeeklySchedule.objects.get(learner=carol).next_send_at == MONDAY + timedelta(weeks=1)


def test_a_refused_recipient_is_retried_later_bounded_and_blocks_no_one(smtp, caplog):
    smtp.behaviour = Behaviour(refuse={"bob@example.com"})
    learner_with_plan("alice@example.com")
    bob = learner_with_plan("bob@example.com")
    learner_with_plan("carol@example.com")
    with caplog.at_level(logging.WARNING, logger="learners.weekly.sender"):
        output = send(MONDAY)
    assert "sent 2" in output and "failed, will retry 1" in output
    assert smtp.received_by() == {"alice@example.com": 1, "carol@example.com": 1}
    row = WeeklyEmail.objects.get(learner=bob)
    assert (row.status, row.attempts) == (Delivery.FAILED, 1)
    assert row.retry_at == MONDAY + timedelta(minutes=10)
    assert "550" in row.last_error
    assert "attempt 1 failed" in caplog.text
    # Not before its time…
    send(MONDAY + timedelta(minutes=5))
    assert WeeklyEmail.objects.get(learner=bob).attempts == 1
    # …then again and again, further apart, until it gives up.
    now = MONDAY
    with caplog.at_level(logging.ERROR, logger="learners.weekly.sender"):
        for _ in range(MAX_ATTEMPTS - 1):
            now = WeeklyEmail.objects.get(learner=bob).retry_at
            send(now)
    row = WeeklyEmail.objects.get(learner=bob)
    assert (row.status, row.attempts, row.retry_at) == (Delivery.GAVE_UP, MAX_ATTEMPTS, None)
    assert now - MONDAY == timedelta(minutes=10 + 30 + 120 + 360)
    assert "gave up after 5 attempts" in caplog.text
    send(now + timedelta(days=1))
    assert WeeklyEmail.objects.get(learner=bob).attempts == MAX_ATTEMPTS
    assert smtp.received_by() == {"alice@example.com": 1, "carol@example.com": 1}


def test_a_temporary_failure_is_sent_on_a_retry_exactly_once(smtp):
    smtp.behaviour = Behaviour(fail_times={"bob@example.com": 2})
    bob = learner_with_plan("bob@example.com")
    send(MONDAY)
    send(MONDAY + timedelta(minutes=10))
    assert smtp.received_by() == {}
    output = send(MONDAY + timedelta(minutes=40))
    assert "retries queued 1" in output and "sent 1" in output
    assert smtp.received_by() == {"bob@example.com": 1}
    row = WeeklyEmail.objects.get(learner=bob)
    assert (row.status, row.attempts, row.last_error) == (Delivery.SENT, 3, "")


def test_an_email_that_fails_to_build_is_retried_like_a_failed_send(smtp, monkeypatch, caplog):
    from learners.weekly import sender

    learner_with_plan("alice@example.com")
    bob = learner_with_plan("bob@example.com")
    build = sender.build_report

    def broken_for_bob(learner, monday, now):
        if learner.pk == bob.pk:
            raise RuntimeError("a bug in the report")
        return build(learner, monday, now)

    monkeypatch.setattr(sender, "build_report", broken_for_bob)
    with caplog.at_level(logging.WARNING, logger="learners.weekly.sender"):
        output = send(MONDAY)
    assert "sent 1" in output and "failed, will retry 1" in output
    row = WeeklyEmail.objects.get(learner=bob)
    assert (row.status, row.attempts) == (Delivery.FAILED, 1)
    assert "RuntimeError: a bug in the report" in row.last_error
    assert "building it failed" in caplog.text
    monkeypatch.setattr(sender, "build_report", build)
    send(row.retry_at)
    assert smtp.received_by() == {"alice@example.com": 1, "bob@example.com": 1}


def test_a_claimed_email_whose_task_was_lost_is_sent_by_a_later_run(smtp):
    alice = learner_with_plan("alice@example.com")
    WeeklySchedule.objects.filter(learner=alice).update(next_send_at=MONDAY + timedelta(weeks=1))
    # Claimed at 08:00, and the process died before its task ran.
    WeeklyEmail.objects.create(
        learner=alice, week_start=date(2026, 3, 2), status=Delivery.QUEUED, status_at=MONDAY
    )
    assert "sent 0" in send(MONDAY + LEASE - timedelta(minutes=1))  # its task may still come
    output = send(MONDAY + LEASE + timedelta(minutes=1))
    assert "stranded and queued again 1" in output and "sent 1" in output
    assert smtp.received_by() == {"alice@example.com": 1}


def test_an_email_whose_sender_died_mid_send_is_marked_unknown_and_never_resent(smtp, caplog):
    alice = learner_with_plan("alice@example.com")
    WeeklySchedule.objects.filter(learner=alice).update(next_send_at=MONDAY + timedelta(weeks=1))
    WeeklyEmail.objects.create(
        learner=alice,
        week_start=date(2026, 3, 2),
        status=Delivery.SENDING,
        status_at=MONDAY,
        attempts=1,
        message_id="<1@trajectory.example.com>",
    )
    send(MONDAY + timedelta(minutes=5))
    assert WeeklyEmail.objects.get(learner=alice).status == Delivery.SENDING
    with caplog.at_level(logging.WARNING, logger="learners.weekly.sender"):
        output = send(MONDAY + LEASE + timedelta(minutes=1))
    assert "in doubt, marked unknown 1" in output
    assert WeeklyEmail.objects.get(learner=alice).status == Delivery.UNKNOWN
    assert "<1@trajectory.example.com>" in caplog.text
    send(MONDAY + timedelta(days=1))
    assert smtp.messages == []


def test_a_learner_who_unsubscribes_between_claim_and_send_gets_nothing(smtp):
    alice = learner_with_plan("alice@example.com")
    email = WeeklyEmail.objects.create(
        learner=alice, week_start=date(2026, 3, 2), status=Delivery.QUEUED, status_at=MONDAY
    )
    User.objects.filter(pk=alice.pk).update(weekly_email=False)
    assert deliver(email.pk, MONDAY) == "skipped"
    assert not WeeklyEmail.objects.exists()
    assert smtp.messages == []


# --- the command's options ------------------------------------------------------------------------


def test_dry_run_lists_who_would_get_what_and_changes_nothing(smtp):
    learner_with_plan("alice@example.com", display_name="Alice")
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        make_learner("carol@example.com", time_zone="Pacific/Honolulu")
    schedules = list(WeeklySchedule.objects.values_list("learner_id", "next_send_at"))
    output = send(datetime(2026, 3, 9, 20, tzinfo=UTC), "--dry-run")
    first, *lines = output.splitlines()
    assert first == "2026-03-09T20:00:00+00:00: 2 due (dry run, nothing sent)"
    assert sorted(lines) == [
        "alice@example.com\tMon 09 Mar 08:00 UTC\tweek of 2026-03-02\t"
        "A quiet week — your next step is waiting when you are",
        "carol@example.com\tMon 09 Mar 08:00 HST\tweek of 2026-03-02\tnothing: no active plan",
    ]
    assert smtp.messages == []
    assert not WeeklyEmail.objects.exists()
    assert list(WeeklySchedule.objects.values_list("learner_id", "next_send_at")) == schedules


@pytest.mark.parametrize("value", ["yesterday", "2026-03-09T08:00:00", "2026-13-01T00:00Z"])
def test_now_must_be_an_aware_iso_datetime(value):
    with pytest.raises(CommandError, match="--now"):
        call_command("send_weekly_progress", "--now", value)


def test_loop_refuses_now_and_dry_run():
    with pytest.raises(CommandError, match="--loop"):
        call_command("send_weekly_progress", "--loop", "--now", "2026-03-09T08:00:00+00:00")


# --- query counts ---------------------------------------------------------------------------------

# Once per run: missing schedules, missing mentor digests, in-doubt rows, stranded rows,
# retries, the due ids, one batch of due schedules with their learners, the due digests' ids,
# the review-request batches that are due.
RUN_QUERIES = 9
# Per learner: the claim (savepoint, conditional UPDATE, savepoint, INSERT, two releases: in a
# test the transaction is a savepoint), the queued email with its learner, the report, the
# UPDATE to sending, the UPDATE to sent.
PER_LEARNER = 6 + 1 + REPORT_QUERIES + 2


@pytest.mark.parametrize("history", [10, 1000])
def test_a_run_costs_the_same_queries_per_learner_whatever_their_history(
    smtp, django_assert_num_queries, history
):
    from learners.models import StudySession

    learners = [learner_with_plan(f"l{i}@example.com") for i in range(3)]
    for learner in learners:
        StudySession.objects.bulk_create(
            StudySession(
                learner=learner, date=date(2025, 1, 1) + timedelta(days=i % 430), minutes=30
            )
            for i in range(history)
        )
    with django_assert_num_queries(RUN_QUERIES + 3 * PER_LEARNER):
        report = run_once(MONDAY)
    assert report.outcomes["sent"] == 3
