"""Sending the weekly emails: exactly once per learner and week.

A run (`run_once`, from `manage.py send_weekly_progress`) does, on its clock `now`:

1. Adds schedules for learners who have none.
2. Recovers: a `sending` row older than LEASE becomes `unknown` (its sender died mid-send; see
   below); a `queued` row older than LEASE is queued again (its task was lost).
3. Retries: `failed` rows whose `retry_at` has passed are queued again.
4. Claims every due learner. A claim is one transaction: a conditional UPDATE moves
   `next_send_at` from the value read to the next slot (0 rows updated: another sender won),
   and the week's WeeklyEmail row is inserted as `queued` (unique per learner and week: a week
   already handled is skipped). A learner without a plan is claimed and skipped.
5. Enqueues one task per claimed email (`learners.weekly.tasks.send_weekly_email`), which
   builds the email, moves the row `queued → sending` (conditional), hands the message to the
   SMTP server, and marks it `sent` — or `failed` with a retry time, or `gave_up` after
   MAX_ATTEMPTS.

The guarantee, and why: every transition is a conditional UPDATE from the state it leaves, so
two senders never both claim a learner, never both move a row to `sending`, and the unique row
makes a second email for a week impossible. Nothing is lost between steps either: the claim and
the `queued` row commit together, and a `queued` row whose task never ran is queued again. The
one window left is `sending`: after the row says `sending` and before it says `sent`, the
message is with the SMTP server, and if the process dies there, nobody can tell whether the
server accepted it. Such a row is marked `unknown` and never resent (at most once wins over
at least once: "never twice"). So a sender killed mid-run loses at most the one message it was
handing over at that instant (per process), and sends nobody two. See docs/email.md.

The mentor digest (`Kind.DIGEST`, learners/weekly/digest.py) goes through the same steps: its
own column on the schedule (`next_digest_at`, Monday 08:00 on the mentor's clock), its own
WeeklyEmail rows (unique per mentor, kind and week), the same task, states, leases and retries.
Only the claim's test differs (someone mentored now, instead of an active plan) and what is
built. A run also sweeps the review-request emails that are due (learners/mentors/notify.py),
so one clock serves every scheduled email.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from learners.lib import mail
from learners.weekly.models import (
    COLUMN,
    Delivery,
    Kind,
    WeeklyEmail,
    WeeklySchedule,
    slot_for,
    wants,
)
from learners.weekly.report import CHART_HEIGHT, WeeklyReport, build_report

logger = logging.getLogger(__name__)

# Longer than any SMTP conversation can take (EMAIL_URL's timeout is 20 s by default), and than
# a task waits in a healthy queue: a row older than this in `queued` or `sending` is stranded.
LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 5
# After the 1st, 2nd, 3rd and 4th failed attempt; the 5th gives up (about 9 hours in all).
RETRY_DELAYS = (
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
CLAIM_BATCH = 500


class Outcome:
    SENT = "sent"
    FAILED = "failed"
    GAVE_UP = "gave_up"
    NOT_QUEUED = "not_queued"  # another task took it, or it is done
    SKIPPED = "skipped"  # unsubscribed or plan ended since the claim
    TASK_ERROR = "task_error"  # the task raised (logged); its row is recovered by a later run


@dataclass
class RunReport:
    """What one run did; the command prints it."""

    now: datetime
    schedules_added: int = 0
    claimed: int = 0
    lost_to_another_sender: int = 0
    no_plan: int = 0
    no_learners: int = 0  # mentor digests claimed for a mentor who mentors nobody now
    digests_sent: int = 0
    review_emails: int = 0  # review-request emails sent (or queued) by the sweep
    already_handled: int = 0
    requeued: int = 0
    retried: int = 0
    marked_unknown: int = 0
    outcomes: Counter = field(default_factory=Counter)
    stopped_early: bool = False

    def summary(self) -> str:
        parts = [f"sent {self.outcomes[Outcome.SENT]}"]
        for label, value in (
            ("of them mentor digests", self.digests_sent),
            ("failed, will retry", self.outcomes[Outcome.FAILED]),
            ("gave up", self.outcomes[Outcome.GAVE_UP]),
            ("claimed by another sender", self.lost_to_another_sender),
            ("no active plan", self.no_plan),
            ("mentor digest with no learners", self.no_learners),
            ("week already handled", self.already_handled),
            ("skipped (unsubscribed or plan ended)", self.outcomes[Outcome.SKIPPED]),
            ("taken by another task", self.outcomes[Outcome.NOT_QUEUED]),
            ("task errors (logged)", self.outcomes[Outcome.TASK_ERROR]),
            ("retries queued", self.retried),
            ("stranded and queued again", self.requeued),
            ("in doubt, marked unknown", self.marked_unknown),
            ("schedules added", self.schedules_added),
            ("review-request emails", self.review_emails),
        ):
            if value:
                parts.append(f"{label} {value}")
        queued = self.claimed + self.retried + self.requeued - sum(self.outcomes.values())
        if queued > 0:
            parts.append(f"queued for workers {queued}")
        if self.stopped_early:
            parts.append("stopped early")
        return ", ".join(parts)


# --- one run ---------------------------------------------------------------------------------


def run_once(now: datetime, *, should_stop: Callable[[], bool] = lambda: False) -> RunReport:
    """Send everything due at `now` (the sender's clock: real time, or --now)."""
    from learners.weekly.tasks import send_weekly_email

    report = RunReport(now=now)
    offset = (now - timezone.now()).total_seconds()

    def enqueue(email_id: int, kind: str = Kind.PROGRESS) -> None:
        result = send_weekly_email.enqueue(email_id, offset)
        if result.is_finished:  # the immediate backend ran it already
            if result.errors:
                report.outcomes[Outcome.TASK_ERROR] += 1
                logger.error(
                    "weekly email %s: the task failed:\n%s", email_id, result.errors[-1].traceback
                )
            else:
                report.outcomes[result.return_value] += 1
                if kind == Kind.DIGEST and result.return_value == Outcome.SENT:
                    report.digests_sent += 1

    with mail.shared_outbox():
        report.schedules_added = WeeklySchedule.objects.add_missing(now)
        report.marked_unknown = mark_in_doubt(now)
        for email_id in requeue_stranded(now):
            report.requeued += 1
            enqueue(email_id)
        for email_id in requeue_failed(now):
            report.retried += 1
            enqueue(email_id)
        for kind in (Kind.PROGRESS, Kind.DIGEST):
            column = COLUMN[kind]
            due = list(
                WeeklySchedule.objects.due(now, kind)
                .order_by(column, "pk")
                .values_list("pk", flat=True)
            )
            for start in range(0, len(due), CLAIM_BATCH):
                batch = (
                    WeeklySchedule.objects.due(now, kind)
                    .filter(pk__in=due[start : start + CLAIM_BATCH])
                    .with_learner(kind)
                    .order_by(column, "pk")
                )
                for schedule in batch:
                    if should_stop():
                        report.stopped_early = True
                        return report
                    email_id = claim(schedule, now, report, kind)
                    if email_id is not None:
                        enqueue(email_id, kind)
        report.review_emails = _sweep_review_requests(now)
    return report


def _sweep_review_requests(now: datetime) -> int:
    from learners.mentors import notify

    return notify.sweep(now)


def claim(
    schedule: WeeklySchedule, now: datetime, report: RunReport, kind: str = Kind.PROGRESS
) -> int | None:
    """Claim one due recipient: move the schedule forward and record the week's email as
    queued, in one transaction. Returns the email's id, or None when there is nothing to send."""
    learner = schedule.learner
    slot = slot_for(kind, learner)
    serving = slot.latest_at_or_before(now)
    monday = slot.report_week(serving)
    column = COLUMN[kind]
    # A mentor who mentors nobody now has no digest scheduled until they do again (the run's
    # `add_missing` schedules it then, from that moment on).
    upcoming = slot.next_after(now) if schedule.has_plan or kind == Kind.PROGRESS else None
    with transaction.atomic():
        won = WeeklySchedule.objects.filter(
            pk=schedule.pk, **{column: getattr(schedule, column)}
        ).update(**{column: upcoming})
        if not won:
            report.lost_to_another_sender += 1
            return None
        if not schedule.has_plan:
            if kind == Kind.DIGEST:
                report.no_learners += 1
            else:
                report.no_plan += 1
            return None
        try:
            with transaction.atomic():
                email = WeeklyEmail.objects.create(
                    learner=learner,
                    kind=kind,
                    week_start=monday,
                    status=Delivery.QUEUED,
                    status_at=now,
                )
        except IntegrityError:
            # This week's email exists (sent, or on its way): the claim still stands, so the
            # schedule moves on, and nobody gets the week twice.
            report.already_handled += 1
            return None
    report.claimed += 1
    return email.pk


def mark_in_doubt(now: datetime) -> int:
    """`sending` rows older than LEASE: their sender died while handing the message over.
    Whether the SMTP server took it can't be known here, so they are never resent."""
    stale = list(
        WeeklyEmail.objects.filter(status=Delivery.SENDING, status_at__lt=now - LEASE).values(
            "pk", "learner_id", "week_start", "message_id", "status_at"
        )
    )
    marked = 0
    for row in stale:
        marked += WeeklyEmail.objects.filter(
            pk=row["pk"], status=Delivery.SENDING, status_at=row["status_at"]
        ).update(status=Delivery.UNKNOWN, status_at=now)
        logger.warning(
            "weekly email %s (learner %s, week of %s): its sender stopped while sending; "
            "delivered or lost, not resent. Message-ID %s",
            row["pk"],
            row["learner_id"],
            row["week_start"],
            row["message_id"],
        )
    return marked


def requeue_stranded(now: datetime) -> list[int]:
    """`queued` rows older than LEASE: claimed, but their task never ran (the process died
    between the claim and the task, or a worker lost it). Safe to queue again: the task's own
    `queued → sending` update lets only one of any duplicates send."""
    return _requeue(
        WeeklyEmail.objects.filter(status=Delivery.QUEUED, status_at__lt=now - LEASE), now
    )


def requeue_failed(now: datetime) -> list[int]:
    return _requeue(WeeklyEmail.objects.filter(status=Delivery.FAILED, retry_at__lte=now), now)


def _requeue(rows, now: datetime) -> list[int]:
    taken = []
    for row in rows.values("pk", "status", "status_at").order_by("status_at", "pk"):
        if WeeklyEmail.objects.filter(
            pk=row["pk"], status=row["status"], status_at=row["status_at"]
        ).update(status=Delivery.QUEUED, status_at=now, retry_at=None):
            taken.append(row["pk"])
    return taken


# --- one learner's email -----------------------------------------------------------------------


def render_weekly(report: WeeklyReport) -> mail.Rendered:
    """The email's subject, text and HTML: what is sent, and what the preview shows."""
    return mail.render_email("weekly", {"report": report, "chart_height": CHART_HEIGHT})


def weekly_message(report: WeeklyReport):
    rendered = render_weekly(report)
    unsubscribe = report.links["unsubscribe"]
    return mail.message(
        rendered,
        report.learner.email,
        headers={
            # RFC 8058 one-click unsubscribe: mail clients POST to the link themselves.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation auto-replies, please
        },
    )


def _build(email: WeeklyEmail, now: datetime):
    """The email's report (or digest) and its message; (None, None) when nothing is to be sent
    any more (unsubscribed, the plan ended, nobody mentored)."""
    learner = email.learner
    if not wants(email.kind, learner):
        return None, None
    if email.kind == Kind.DIGEST:
        from learners.weekly.digest import build_digest, digest_message

        digest = build_digest(learner, email.week_start, now)
        return digest, digest_message(digest) if digest else None
    report = build_report(learner, email.week_start, now)
    return report, weekly_message(report) if report else None


def deliver(email_id: int, now: datetime) -> str:
    """Build, mark sending, hand to SMTP, mark sent (or failed, or gave up)."""
    email = (
        WeeklyEmail.objects.select_related("learner")
        .filter(pk=email_id, status=Delivery.QUEUED)
        .first()
    )
    if email is None:
        return Outcome.NOT_QUEUED
    try:
        report, outgoing = _build(email, now)
    except Exception as error:
        # A bug or a database error while building: counted as an attempt, so it is retried
        # a bounded number of times rather than requeued forever.
        logger.exception("weekly email %s: building it failed", email.pk)
        if not WeeklyEmail.objects.filter(
            pk=email.pk, status=Delivery.QUEUED, status_at=email.status_at
        ).update(status=Delivery.SENDING, attempts=F("attempts") + 1):
            return Outcome.NOT_QUEUED
        return _failed(email, email.attempts + 1, error, now)
    if report is None or outgoing is None:
        # Unsubscribed, or the plan ended, since the claim: nothing was sent, so the row goes
        # (a later change of heart may still get this week's email).
        WeeklyEmail.objects.filter(pk=email.pk, status=Delivery.QUEUED).delete()
        return Outcome.SKIPPED
    # Built before this update, so the in-doubt window below is only the SMTP conversation.
    if not WeeklyEmail.objects.filter(
        pk=email.pk, status=Delivery.QUEUED, status_at=email.status_at
    ).update(
        status=Delivery.SENDING,
        status_at=now,
        attempts=F("attempts") + 1,
        subject=report.subject[:300],
        message_id=outgoing.extra_headers["Message-ID"],
        reminder=getattr(report, "reminder", None),
    ):
        return Outcome.NOT_QUEUED
    attempts = email.attempts + 1
    try:
        mail.send(outgoing)
    except Exception as error:
        return _failed(email, attempts, error, now)
    # `unknown` too: a sender that stalled past the lease was marked in doubt, but it did send.
    WeeklyEmail.objects.filter(pk=email.pk, status__in=[Delivery.SENDING, Delivery.UNKNOWN]).update(
        status=Delivery.SENT, status_at=now, sent_at=timezone.now(), last_error=""
    )
    return Outcome.SENT


def _failed(email: WeeklyEmail, attempts: int, error: Exception, now: datetime) -> str:
    description = f"{type(error).__name__}: {error}"[:2000]
    if attempts >= MAX_ATTEMPTS:
        WeeklyEmail.objects.filter(pk=email.pk, status=Delivery.SENDING).update(
            status=Delivery.GAVE_UP, status_at=now, last_error=description
        )
        logger.error(
            "weekly email %s (learner %s, week of %s): gave up after %s attempts: %s",
            email.pk,
            email.learner_id,
            email.week_start,
            attempts,
            description,
        )
        return Outcome.GAVE_UP
    retry_at = now + RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    WeeklyEmail.objects.filter(pk=email.pk, status=Delivery.SENDING).update(
        status=Delivery.FAILED, status_at=now, retry_at=retry_at, last_error=description
    )
    logger.warning(
        "weekly email %s (learner %s, week of %s): attempt %s failed, retrying at %s: %s",
        email.pk,
        email.learner_id,
        email.week_start,
        attempts,
        retry_at.isoformat(),
        description,
    )
    return Outcome.FAILED


# --- dry run ---------------------------------------------------------------------------------


def _planned(schedule: WeeklySchedule, kind: str, now: datetime) -> Planned:
    learner = schedule.learner
    slot = slot_for(kind, learner)
    serving = slot.latest_at_or_before(now)
    monday = slot.report_week(serving)
    local = timezone.localtime(serving, slot.tz).strftime("%a %d %b %H:%M %Z")
    nothing = "nothing: no active plan" if kind == Kind.PROGRESS else "nothing: mentors nobody"
    if not schedule.has_plan:
        what = nothing
    elif WeeklyEmail.objects.filter(learner=learner, kind=kind, week_start=monday).exists():
        what = "nothing: this week's email exists already"
    else:
        if kind == Kind.DIGEST:
            from learners.weekly.digest import build_digest

            built = build_digest(learner, monday, now)
        else:
            built = build_report(learner, monday, now)
        what = built.subject if built else nothing
    return Planned(learner.email, local, monday.isoformat(), what)


@dataclass(frozen=True)
class Planned:
    email: str
    local_time: str
    week_start: str
    subject: str  # or why nothing would be sent


def dry_run(now: datetime) -> list[Planned]:
    """Who would get what at `now`, writing nothing. Builds each email to show its subject."""
    planned = []
    for kind in (Kind.PROGRESS, Kind.DIGEST):
        due = WeeklySchedule.objects.due(now, kind).with_learner(kind)
        for schedule in due.order_by(COLUMN[kind], "pk"):
            planned.append(_planned(schedule, kind, now))
    for email in WeeklyEmail.objects.filter(
        status=Delivery.FAILED, retry_at__lte=now
    ).select_related("learner"):
        planned.append(
            Planned(
                email.learner.email,
                "retry",
                email.week_start.isoformat(),
                f"retry (attempt {email.attempts + 1} of {MAX_ATTEMPTS})",
            )
        )
    return planned
