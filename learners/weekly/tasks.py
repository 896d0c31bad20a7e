"""One task per learner's weekly email (Django's tasks framework).

With the default immediate backend the sender's run executes each task as it enqueues it. With
a database backend (django-tasks-db, see docs/email.md) the run only claims and enqueues, and
workers on any number of machines send; the claim and the conditional updates in
learners/weekly/sender.py keep it exactly once either way.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone


@task
def send_weekly_email(email_id: int, clock_offset: float = 0.0) -> str:
    """Send the queued WeeklyEmail `email_id`. `clock_offset` is the sender's clock minus real
    time in seconds (non-zero only under `send_weekly_progress --now`), so a task run later by a
    worker still stamps its rows on the sender's clock."""
    from learners.weekly.sender import deliver

    return deliver(email_id, timezone.now() + timedelta(seconds=clock_offset))
