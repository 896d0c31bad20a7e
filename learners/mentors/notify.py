"""The email to a mentor when review requests arrive: at most one an hour per learner, batched.

A request starts an hour (`BATCH`); every request of the same mentorship that arrives within it
goes in the same email, sent when the hour is up. The next email comes at the earliest an hour
after that one, however many requests arrive meanwhile. `ReviewRequest.emailed_at` records
which email a request went in.

Two ways in, one function (`send_due`), which is safe to run any number of times at once:

- when a request is saved, a task (`learners.mentors.tasks.send_review_requests`) is queued on
  commit to run when its hour is up, on a task backend that can run tasks later
  (django-tasks-db can; the immediate backend can't, so it queues nothing);
- every run of the weekly sender's clock (`manage.py send_weekly_progress`, every few minutes)
  sweeps what is due (`sweep`): the one guarantee that nothing waits for ever.

Exactly once: `send_due` claims the batch with one conditional UPDATE (`emailed_at` from NULL to
now, on exactly the requests it read) inside a transaction that it rolls back unless every one
of them was still unclaimed; a second worker reading the same batch updates none and sends
nothing. After the claim, the message goes to SMTP; an SMTP error gives the batch back (its
`emailed_at` cleared) for the next sweep. A process killed between the claim and the SMTP
server's answer leaves the batch claimed: never twice, as for the weekly email.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Min
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from config.site import absolute_url
from learners.lib import mail
from learners.mentors.models import Mentorship, RequestStatus, ReviewRequest, Status
from learners.mentors.threads import name_of

logger = logging.getLogger(__name__)

BATCH = timedelta(hours=1)
EXCERPT = 300


class _Lost(Exception):
    """Another sender claimed part of the batch first: roll the claim back."""


def pending():
    """Open requests not emailed yet, to an active mentor about an active learner."""
    return ReviewRequest.objects.filter(
        emailed_at=None,
        status=RequestStatus.OPEN,
        mentorship__status=Status.ACTIVE,
        mentorship__mentor__is_active=True,
        mentorship__learner__is_active=True,
    )


def due_at(first_pending: datetime, last_emailed: datetime | None) -> datetime:
    """When a batch whose oldest request came at `first_pending` goes out: an hour after it,
    and never within an hour of the last email."""
    due = first_pending + BATCH
    return max(due, last_emailed + BATCH) if last_emailed else due


def sweep(now: datetime) -> int:
    """Send every batch that is due at `now` (each through the task). Returns how many emails
    went (or, on a worker backend, were queued)."""
    from learners.mentors.tasks import send_review_requests

    due = (
        pending()
        .filter(created_at__lte=now - BATCH)
        .values_list("mentorship_id", flat=True)
        .distinct()
        .order_by("mentorship_id")
    )
    offset = (now - timezone.now()).total_seconds()
    sent = 0
    for mentorship_id in list(due):
        result = send_review_requests.enqueue(mentorship_id, offset)
        if not result.is_finished:
            sent += 1  # a worker sends it
        elif result.errors:
            logger.error(
                "review-request email for mentorship %s: the task failed:\n%s",
                mentorship_id,
                result.errors[-1].traceback,
            )
        else:
            sent += result.return_value
    return sent


def schedule(review: ReviewRequest) -> None:
    """On commit of a new request: queue the task for when its batch is due, if the task
    backend can wait until then; otherwise the clock's sweep sends it."""
    if not default_task_backend.supports_defer:
        return
    from learners.mentors.tasks import send_review_requests

    last = ReviewRequest.objects.filter(mentorship_id=review.mentorship_id).aggregate(
        last=Max("emailed_at")
    )["last"]
    first = (
        pending().filter(mentorship_id=review.mentorship_id).aggregate(first=Min("created_at"))
    )["first"] or review.created_at
    send_review_requests.using(run_after=due_at(first, last)).enqueue(review.mentorship_id)


def send_due(mentorship_id: int, now: datetime) -> int:
    """Send the mentorship's batch if it is due at `now`: 1 if an email went, else 0."""
    mentorship = (
        Mentorship.objects.active()
        .filter(pk=mentorship_id, learner__is_active=True)
        .select_related("learner", "mentor")
        .first()
    )
    if mentorship is None:
        return 0
    try:
        with transaction.atomic():
            last = ReviewRequest.objects.filter(mentorship=mentorship).aggregate(
                last=Max("emailed_at")
            )["last"]
            batch = list(
                pending()
                .filter(mentorship=mentorship, created_at__lte=now)
                .select_related("checkpoint")
                .order_by("created_at", "id")
            )
            if not batch or due_at(batch[0].created_at, last) > now:
                return 0
            ids = [review.pk for review in batch]
            claimed = ReviewRequest.objects.filter(pk__in=ids, emailed_at=None).update(
                emailed_at=now
            )
            if claimed != len(ids):
                raise _Lost
    except _Lost:
        return 0
    try:
        mail.send(review_requests_message(mentorship, batch))
    except Exception as error:
        # Not sent: the batch goes back, for the next sweep.
        ReviewRequest.objects.filter(pk__in=ids, emailed_at=now).update(emailed_at=None)
        logger.warning(
            "review-request email for mentorship %s failed, will retry: %s: %s",
            mentorship.pk,
            type(error).__name__,
            error,
        )
        return 0
    return 1


def review_requests_message(mentorship: Mentorship, batch: list[ReviewRequest]):
    learner = name_of(mentorship.learner)
    items = [
        {
            "kind": review.get_kind_display(),
            # A checkpoint is the curriculum's words; a run's or failure's title is not shown
            # (the learner may stop sharing it), only what the learner wrote to the mentor.
            "checkpoint": review.checkpoint.text if review.checkpoint_id else "",
            "checkpoint_html": review.checkpoint.html if review.checkpoint_id else "",
            "question": Truncator(" ".join(review.question.split())).chars(EXCERPT),
            "link": absolute_url(reverse("mentor_request_detail", args=[mentorship.pk, review.pk])),
        }
        for review in batch
    ]
    rendered = mail.render_email(
        "review-requests",
        {
            "learner": learner,
            "mentor": mentorship.mentor.get_short_name(),
            "items": items,
            "mentoring": absolute_url(reverse("mentoring_home")),
        },
    )
    return mail.message(
        rendered, mentorship.mentor.email, headers={"Auto-Submitted": "auto-generated"}
    )
