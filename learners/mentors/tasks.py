"""The review-request email as a task (Django's tasks framework): learners/mentors/notify.py
says when it is due and why it is sent once however many run it."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone


@task
def send_review_requests(mentorship_id: int, clock_offset: float = 0.0) -> int:
    """Send the mentorship's batch of review requests if it is due. `clock_offset`: the
    sender's clock minus real time, in seconds (non-zero only under `--now`)."""
    from learners.mentors.notify import send_due

    return send_due(mentorship_id, timezone.now() + timedelta(seconds=clock_offset))
