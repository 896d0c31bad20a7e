"""The production setup: TASKS_BACKEND=database queues the emails; db_worker processes send them."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from learners.weekly.models import Delivery, WeeklyEmail
from learners.weekly.sink import SmtpSink
from tests.test_weekly_email import MONDAY, learner_with_plan, send

# The worker closes its database connection after a batch, as a long-lived process should:
# the test's data must be committed, not held in a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback, and tasks stored in the database for workers."""
    settings.TASKS = {"default": settings.TASK_BACKENDS["database"]}
    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        yield sink


def test_the_clock_only_queues_and_a_worker_sends_each_email_once(smtp):
    learner_with_plan("ada@example.com")
    learner_with_plan("grace@example.com")

    output = send(MONDAY)

    assert "queued for workers 2" in output
    assert smtp.messages == []  # nothing is sent by the clock itself
    assert DBTaskResult.objects.count() == 2
    with time_machine.travel(MONDAY, tick=False):
        call_command(
            "db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO()
        )
        call_command(
            "db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert smtp.received_by() == {"ada@example.com": 1, "grace@example.com": 1}
    assert set(WeeklyEmail.objects.values_list("status", flat=True)) == {Delivery.SENT}


def test_an_unknown_tasks_backend_stops_the_process(monkeypatch):
    import subprocess
    import sys

    from tests.conftest import REPO

    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check"],
        env={"TASKS_BACKEND": "celery", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode != 0
    assert "TASKS_BACKEND must be immediate or database, not 'celery'." in result.stderr
