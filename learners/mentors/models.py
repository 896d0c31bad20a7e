"""Mentors: someone a learner invites to watch their trajectory, comment on it and answer their
questions. Private by default, the learner in control.

A `Mentorship` starts as an invite (an email address and a signed, single-use link), becomes
active when the invited person accepts it, and ends when either side ends it. Its scope says
which plans the mentor sees and whether notes, failures and runs are shared all, only those the
learner marks (`shared` on each row), or none. Progress, the plan, the pace and hours are always
visible to an active mentor. The marks themselves are `shared_with_mentors` on each note,
failure and run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from learners.lib.calendar_fields import CalendarDateTimeField
from learners.lib.ownership import owned
from learners.models import Plan

MESSAGE_LIMIT = 1_000


class Status(models.TextChoices):
    PENDING = "pending", "Invited"
    ACTIVE = "active", "Mentoring"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Invite withdrawn"
    ENDED = "ended", "Ended"


class Share(models.TextChoices):
    ALL = "all", "All of them"
    MARKED = "marked", "Only those I mark"
    NONE = "none", "None"


class MentorshipQuerySet(models.QuerySet):
    def active(self) -> MentorshipQuerySet:
        return self.filter(status=Status.ACTIVE, mentor__is_active=True)

    def of_mentor(self, user) -> MentorshipQuerySet:
        return self.active().filter(mentor=user)


@owned
class Mentorship(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships"
    )
    # Empty until the invite is accepted; then the account that accepted it (its email was
    # the one invited).
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mentoring",
    )
    email = models.EmailField()  # the address invited, lowercase
    message = models.TextField(max_length=MESSAGE_LIMIT, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The invite link's secret part; cleared when the link is used, so it works once.
    nonce = models.CharField(max_length=32, blank=True, editable=False)
    invited_at = CalendarDateTimeField(default=timezone.now)
    sent_at = CalendarDateTimeField(default=timezone.now)  # the invite email, last sent
    accepted_at = CalendarDateTimeField(null=True, blank=True)
    ended_at = CalendarDateTimeField(null=True, blank=True)
    # Scope: every plan, or only those chosen (`MentorPlan`).
    all_plans = models.BooleanField(default=False)
    notes = models.CharField(max_length=10, choices=Share.choices, default=Share.MARKED)
    failures = models.CharField(max_length=10, choices=Share.choices, default=Share.MARKED)
    runs = models.CharField(max_length=10, choices=Share.choices, default=Share.MARKED)
    # What each side has read of the other's comments, answers and requests.
    learner_read_at = CalendarDateTimeField(default=timezone.now)
    mentor_read_at = CalendarDateTimeField(default=timezone.now)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        ordering = ["-invited_at", "-id"]
        constraints = [
            # One open relationship per learner and address: a second invite is a resend.
            models.UniqueConstraint(
                fields=["learner", "email"],
                condition=Q(status__in=["pending", "active"]),
                name="mentorship_open_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(mentor__isnull=False),
                name="mentorship_active_has_mentor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.learner}"

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE


@owned
class MentorPlan(models.Model):
    """A plan the learner lets this mentor see (when not all of them)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="plan_scope")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "plan"], name="mentor_plan_once"),
        ]

    def __str__(self) -> str:
        return f"{self.mentorship_id} sees plan {self.plan_id}"


class Visit(models.Model):
    """A mentor's look at a learner's record: the page and when (kept 90 days)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="visits")
    path = models.CharField(max_length=500)
    at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["mentorship", "-at"], name="visit_mentorship_at")]

    def __str__(self) -> str:
        return f"{self.mentorship_id} looked at {self.path}"
