"""The weekly progress email: each learner's next send time, and one record per week sent.

How a week's email moves through its states (learners/weekly/sender.py does the moving):

    claim ─► queued ─► sending ─► sent
                ▲         │
                │         ├─► failed ─(retry_at passes)─► queued      (SMTP refused or broke)
                │         └─► gave_up                                  (after MAX_ATTEMPTS)
                └─ queued for longer than the lease: queued again (its task was lost)
    sending for longer than the lease ─► unknown (the sender died mid-send: sent or lost)

Every transition is a conditional UPDATE on the state it leaves, so two senders (or a sender and
a worker) can never both make the same transition.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from learners.lib.ownership import owned
from learners.models import Plan, PlanStatus
from learners.record.models import Failure
from learners.weekly.schedule import Slot, rescheduled


class WeeklyScheduleQuerySet(models.QuerySet):
    def due(self, now: datetime) -> WeeklyScheduleQuerySet:
        """Schedules whose time has come, of learners who still want the email."""
        return self.filter(
            next_send_at__lte=now, learner__weekly_email=True, learner__is_active=True
        )

    def with_learner(self) -> WeeklyScheduleQuerySet:
        """The learner's schedule preferences and whether they have an active plan: the
        claim needs nothing else."""
        return self.select_related("learner").annotate(
            has_plan=Exists(
                Plan.objects.filter(learner=OuterRef("learner"), status=PlanStatus.ACTIVE)
            )
        )

    def follow(self, learner, now: datetime | None = None, *, created: bool = False) -> None:
        """Move the learner's next send time to follow their saved preferences
        (learners.weekly.schedule.rescheduled says where, and why)."""
        now = now or timezone.now()
        current = None
        if not created:
            current = self.filter(learner=learner).values_list("next_send_at", flat=True).first()

        def already_sent(monday: date) -> bool:
            return WeeklyEmail.objects.filter(learner=learner, week_start=monday).exists()

        new = rescheduled(learner, current, now, already_sent)
        if created:
            self.bulk_create(
                [WeeklySchedule(learner=learner, next_send_at=new)], ignore_conflicts=True
            )
        elif new != current:
            self.update_or_create(learner=learner, defaults={"next_send_at": new})

    def add_missing(self, now: datetime) -> int:
        """Schedules for learners who have none (made in bulk, or before this app): their
        first email comes at their first slot from now on. Returns how many were added."""
        from learners.models import User

        missing = User.objects.filter(
            weekly_email=True, is_active=True, weekly_schedule__isnull=True
        ).only("id", "time_zone", "weekly_email_weekday", "weekly_email_hour")
        rows = [
            WeeklySchedule(learner=learner, next_send_at=Slot.of(learner).next_after(now))
            for learner in missing
        ]
        # Ignore conflicts: another sender, or a settings save, may add the same row first.
        self.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        return len(rows)


@owned
class WeeklySchedule(models.Model):
    """When the learner's next weekly email is due. Schedule as data: the sender claims a row
    by moving this time forward with a conditional update, before it sends."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_schedule"
    )
    # NULL: nothing is due (the learner turned the email off). Indexed for the sender's due
    # query: `next_send_at <= now`.
    next_send_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = WeeklyScheduleQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.learner}: next at {self.next_send_at}"


class Delivery(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    GAVE_UP = "gave_up", "Gave up"
    # The sender stopped (crashed, killed) while handing this message to the SMTP server: it
    # was delivered or lost, and nothing can tell which. Never resent: never twice comes first.
    UNKNOWN = "unknown", "Unknown: the sender stopped while sending"


UNFINISHED = [Delivery.QUEUED, Delivery.SENDING, Delivery.FAILED]


@owned
class WeeklyEmail(models.Model):
    """One per learner and week: the database makes a second email for a week impossible."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_emails"
    )
    week_start = models.DateField()  # Monday of the week the email reports on, learner's calendar
    status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.QUEUED)
    # When the status last changed, on the sender's clock: the leases on queued and sending
    # rows count from here.
    status_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)  # for failed: not before this
    last_error = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    # Set before the message is handed over, so an operator can look an unknown one up in
    # the mail server's log.
    message_id = models.CharField(max_length=250, blank=True)
    # The lesson brought back as a spaced reminder, so the next emails pick another one.
    reminder = models.ForeignKey(
        Failure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "week_start"], name="weekly_email_once_a_week"
            ),
        ]
        indexes = [
            # The sender's retry and recovery queries look only at unfinished rows: a small
            # partial index however many weeks have been sent.
            models.Index(
                fields=["status", "status_at"],
                condition=Q(status__in=UNFINISHED),
                name="weekly_email_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner}: week of {self.week_start} ({self.status})"
