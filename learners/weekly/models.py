"""The weekly progress email: each learner's next send time, and one record per week sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from learners.ownership import owned


@owned
class WeeklySchedule(models.Model):
    """When the learner's next weekly email is due. Schedule as data: the sender claims a row
    by moving this time forward with a conditional update, before it sends."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_schedule"
    )
    next_send_at = models.DateTimeField(
        null=True, blank=True, db_index=True
    )  # the sender's due query

    def __str__(self) -> str:
        return f"{self.learner}: next at {self.next_send_at}"


class Delivery(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    GAVE_UP = "gave_up", "Gave up"


@owned
class WeeklyEmail(models.Model):
    """One per learner and week: the database makes a second email for a week impossible."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_emails"
    )
    week_start = models.DateField()  # Monday of the week the email reports on, learner's calendar
    status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.SENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "week_start"], name="weekly_email_once_a_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner}: week of {self.week_start} ({self.status})"
