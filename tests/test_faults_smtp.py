"""The SMTP server is down for a whole weekly run, then comes back: nobody's email is lost.

"Down" is the real thing: nothing listens on the configured port, so Django's SMTP backend gets
"connection refused" for every learner. "Back" is a real SMTP server (aiosmtpd, through
learners.weekly.sink) listening on that same address again.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from learners.weekly import sink as sink_module
from learners.weekly.models import Delivery, WeeklyEmail
from learners.weekly.sender import MAX_ATTEMPTS, RETRY_DELAYS
from learners.weekly.sink import SmtpSink, free_port
from tests.test_weekly_email import MONDAY, learner_with_plan, send

pytestmark = pytest.mark.django_db

EVERYONE = [f"learner{i}@example.com" for i in range(6)]


@pytest.fixture
def smtp_address(settings, monkeypatch):
    """The configured SMTP server's port, with nothing listening on it yet."""
    settings.SITE_URL = "https://trajectory.example.com"
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    # When the server comes back, it comes back on the same address.
    monkeypatch.setattr(sink_module, "free_port", lambda host="127.0.0.1": port)
    return port


def test_smtp_down_for_a_whole_run_fails_everyone_softly_and_the_retry_sends_each_once(
    smtp_address, caplog
):
    learners = [learner_with_plan(address) for address in EVERYONE]

    with caplog.at_level(logging.WARNING, logger="learners.weekly.sender"):
        output = send(MONDAY)

    assert f"sent 0, failed, will retry {len(EVERYONE)}" in output
    rows = WeeklyEmail.objects.order_by("learner_id")
    assert [row.learner_id for row in rows] == [learner.pk for learner in learners]
    for row in rows:
        assert (row.status, row.attempts, row.week_start) == (Delivery.FAILED, 1, date(2026, 3, 2))
        assert row.retry_at == MONDAY + RETRY_DELAYS[0]
        assert "Connection refused" in row.last_error
    assert caplog.text.count("attempt 1 failed") == len(EVERYONE)

    with SmtpSink() as server:
        assert server.port == smtp_address
        # Before the retry time, nothing is attempted; at it, everyone gets exactly one.
        assert "retries queued" not in send(MONDAY + timedelta(minutes=5))
        output = send(MONDAY + RETRY_DELAYS[0])
        assert f"sent {len(EVERYONE)}" in output and "failed" not in output
        assert server.received_by() == dict.fromkeys(EVERYONE, 1)
        # And nothing more, however often the timer fires.
        send(MONDAY + timedelta(hours=1))
        send(MONDAY + timedelta(days=1))
        assert server.received_by() == dict.fromkeys(EVERYONE, 1)

    for row in WeeklyEmail.objects.all():
        assert (row.status, row.attempts, row.last_error) == (Delivery.SENT, 2, "")


def test_an_outage_spanning_several_retries_still_delivers_when_the_server_returns(smtp_address):
    for address in EVERYONE:
        learner_with_plan(address)
    now = MONDAY
    send(now)
    # Down for the first three attempts: 08:00, 08:10, 08:40.
    for delay in RETRY_DELAYS[:2]:
        now += delay
        assert f"failed, will retry {len(EVERYONE)}" in send(now)
    assert set(WeeklyEmail.objects.values_list("status", "attempts")) == {(Delivery.FAILED, 3)}
    retry_at = now + RETRY_DELAYS[2]
    assert set(WeeklyEmail.objects.values_list("retry_at", flat=True)) == {retry_at}

    with SmtpSink() as server:
        assert f"sent {len(EVERYONE)}" in send(retry_at)
        assert server.received_by() == dict.fromkeys(EVERYONE, 1)
    assert set(WeeklyEmail.objects.values_list("status", "attempts")) == {(Delivery.SENT, 4)}


def test_a_run_with_smtp_down_blocks_nobody_elses_week_and_next_weeks_email_still_comes(
    smtp_address,
):
    learner_with_plan("ada@example.com")
    send(MONDAY)
    with SmtpSink() as server:
        send(MONDAY + RETRY_DELAYS[0])
        send(MONDAY + timedelta(weeks=1))
        assert server.received_by() == {"ada@example.com": 2}
    weeks = WeeklyEmail.objects.order_by("week_start").values_list("week_start", "status")
    assert list(weeks) == [(date(2026, 3, 2), Delivery.SENT), (date(2026, 3, 9), Delivery.SENT)]


def test_an_outage_longer_than_every_retry_gives_up_loudly_and_the_documented_requeue_sends_it(
    smtp_address, caplog
):
    learner_with_plan("ada@example.com")
    now = MONDAY
    send(now)
    with caplog.at_level(logging.ERROR, logger="learners.weekly.sender"):
        for delay in RETRY_DELAYS:
            now += delay
            send(now)
    row = WeeklyEmail.objects.get()
    assert (row.status, row.attempts) == (Delivery.GAVE_UP, MAX_ATTEMPTS)
    assert "gave up after 5 attempts" in caplog.text and "Connection refused" in caplog.text

    # docs/operations.md, "SMTP outages": once the server is back, give them a fresh start.
    later = now + timedelta(hours=1)
    requeued = WeeklyEmail.objects.filter(status="gave_up", week_start="2026-03-02").update(
        status="failed", attempts=0, retry_at=later
    )
    assert requeued == 1
    with SmtpSink() as server:
        assert "sent 1" in send(later)
        assert server.received_by() == {"ada@example.com": 1}
