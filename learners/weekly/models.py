"""The weekly emails: each person's next send times, and one record per email and week sent.

Two kinds of weekly email share this machinery (`Kind`): the learner's progress email, and the
mentor's digest about the learners they mentor (learners/weekly/digest.py). A schedule row holds
both next send times (`next_send_at`, `next_digest_at`); a WeeklyEmail row is one email of one
kind for one week, whoever it goes to (`learner` is the recipient: for a digest, the mentor).

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


class Kind(models.TextChoices):
    PROGRESS = "progress", "Weekly progress email"
    DIGEST = "digest", "Mentor digest"


# The schedule's column holding each kind's next send time.
COLUMN = {Kind.PROGRESS: "next_send_at", Kind.DIGEST: "next_digest_at"}


def slot_for(kind: str, user) -> Slot:
    """When `kind` goes to `user`: their chosen day and hour, or (the digest) Monday 08:00 on
    their clock."""
    return Slot.of(user) if kind == Kind.PROGRESS else Slot.digest(user)


def wants(kind: str, user) -> bool:
    wanted = user.weekly_email if kind == Kind.PROGRESS else user.mentor_digest
    return wanted and user.is_active


def mentors_now():
    """Active mentorships with an active learner, for `Exists(...)` by mentor."""
    from learners.mentors.models import Mentorship

    return Mentorship.objects.active().filter(learner__is_active=True)


class WeeklyScheduleQuerySet(models.QuerySet):
    def due(self, now: datetime, kind: str = Kind.PROGRESS) -> WeeklyScheduleQuerySet:
        """Schedules whose time has come for `kind`, of people who still want it."""
        wanted = "learner__weekly_email" if kind == Kind.PROGRESS else "learner__mentor_digest"
        return self.filter(**{f"{COLUMN[kind]}__lte": now, wanted: True}, learner__is_active=True)

    def with_learner(self, kind: str = Kind.PROGRESS) -> WeeklyScheduleQuerySet:
        """The recipient's schedule preferences and whether there is anything to report on (an
        active plan; for a digest, a learner mentored now): the claim needs nothing else."""
        if kind == Kind.DIGEST:
            something = Exists(mentors_now().filter(mentor=OuterRef("learner")))
        else:
            something = Exists(
                Plan.objects.filter(learner=OuterRef("learner"), status=PlanStatus.ACTIVE)
            )
        return self.select_related("learner").annotate(has_plan=something)

    def follow(self, learner, now: datetime | None = None, *, created: bool = False) -> None:
        """Move the learner's next send times to follow their saved preferences
        (learners.weekly.schedule.rescheduled says where, and why). A digest that isn't
        scheduled yet stays so: the sender schedules it once they mentor someone."""
        now = now or timezone.now()
        current = digest = None
        if not created:
            current, digest = self.filter(learner=learner).values_list(
                "next_send_at", "next_digest_at"
            ).first() or (None, None)

        def already_sent(kind: str):
            def sent(monday: date) -> bool:
                return WeeklyEmail.objects.filter(
                    learner=learner, kind=kind, week_start=monday
                ).exists()

            return sent

        new = rescheduled(learner, current, now, already_sent(Kind.PROGRESS))
        new_digest = None
        if digest is not None:
            new_digest = rescheduled(
                learner,
                digest,
                now,
                already_sent(Kind.DIGEST),
                slot=Slot.digest(learner),
                wanted=wants(Kind.DIGEST, learner),
            )
        if created:
            self.bulk_create(
                [WeeklySchedule(learner=learner, next_send_at=new)], ignore_conflicts=True
            )
        elif (new, new_digest) != (current, digest):
            self.update_or_create(
                learner=learner, defaults={"next_send_at": new, "next_digest_at": new_digest}
            )

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
        return len(rows) + self._add_missing_digests(now)

    def _add_missing_digests(self, now: datetime) -> int:
        """A digest for everyone who mentors someone now and has none scheduled: the first at
        their first Monday 08:00 from now on (no digest at once about a week gone by). One
        query when nobody is missing."""
        from learners.models import User

        missing = list(
            User.objects.filter(mentor_digest=True, is_active=True)
            .filter(Exists(mentors_now().filter(mentor=OuterRef("pk"))))
            .filter(
                Q(weekly_schedule__isnull=True) | Q(weekly_schedule__next_digest_at__isnull=True)
            )
            .select_related("weekly_schedule")
        )
        added = 0
        for user in missing:
            first = Slot.digest(user).next_after(now)
            # Conditional: a run at the same moment may have scheduled it first.
            added += self.filter(learner=user, next_digest_at__isnull=True).update(
                next_digest_at=first
            )
        new = [
            WeeklySchedule(
                learner=user,
                next_send_at=Slot.of(user).next_after(now) if user.weekly_email else None,
                next_digest_at=Slot.digest(user).next_after(now),
            )
            for user in missing
            if not hasattr(user, "weekly_schedule")
        ]
        self.bulk_create(new, ignore_conflicts=True)
        return added + len(new)


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
    # The mentor digest's: NULL while they mentor nobody (or turned it off). Indexed for the
    # sender's due query: `next_digest_at <= now`.
    next_digest_at = models.DateTimeField(null=True, blank=True, db_index=True)

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
    """One per recipient, kind and week: the database makes a second email for a week
    impossible."""

    # The recipient: the learner, or for a digest the mentor.
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_emails"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROGRESS)
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
                fields=["learner", "kind", "week_start"], name="weekly_email_once_a_week"
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
