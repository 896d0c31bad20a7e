"""Failures and the lessons learned from them: first-class data, not shame."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Module
from learners.lib import reader
from learners.lib.calendar_fields import CalendarDateField, CalendarDateTimeField
from learners.lib.ownership import owned
from learners.models import Plan

MAX_MINUTES_LOST = 100_000


class Category(models.TextChoices):
    BUG = "bug", "Bug in my code"
    CONCEPT = "concept", "Misunderstood concept"
    ENVIRONMENT = "environment", "Environment and tooling"
    DATA = "data", "Data"
    TRAINING = "training", "Training dynamics"  # initialization, learning rate, instability
    OTHER = "other", "Other"


class FailureQuerySet(models.QuerySet):
    def for_learner(self, learner) -> FailureQuerySet:
        return self.filter(learner=learner)

    def with_lessons(self) -> FailureQuerySet:
        """Failures that taught something, latest lesson first."""
        return self.exclude(lesson="").order_by("-lesson_at", "-id")

    def category_counts(self) -> dict[str, int]:
        """{category: failures} in one query; categories without failures are absent."""
        rows = self.order_by().values("category").annotate(count=Count("id"))
        return {row["category"]: row["count"] for row in rows}

    def totals(self, plan: Plan | None) -> dict[str, int]:
        """All failures, unresolved ones, lessons, and lessons learned in `plan`: one query."""
        has_lesson = ~Q(lesson="")
        return self.aggregate(
            total=Count("id"),
            open=Count("id", filter=Q(resolved=False)),
            lessons=Count("id", filter=has_lesson),
            lessons_this_plan=Count(
                "id", filter=has_lesson & Q(plan=plan) if plan else Q(pk__in=[])
            ),
        )


@owned
class Failure(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="failures"
    )
    # Shown to mentors whose scope is "only those I mark" (learners/mentors/).
    shared_with_mentors = models.BooleanField(default=False, db_default=False)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    # The plan that was active when it happened: "lessons learned this plan".
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="failures"
    )
    title = models.CharField(max_length=200)
    what_happened = models.TextField(max_length=20_000, blank=True)
    what_happened_html = models.TextField(blank=True)  # rendered and sanitized on save
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.BUG)
    minutes_lost = models.PositiveIntegerField(
        "time lost (minutes)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_MINUTES_LOST)],
    )
    lesson = models.TextField("lesson learned", max_length=20_000, blank=True)
    lesson_html = models.TextField(blank=True)  # rendered and sanitized on save
    # When the lesson was first written: the timeline shows it then, not when the failure was.
    lesson_at = CalendarDateTimeField(null=True, blank=True)
    resolved = models.BooleanField(default=False)
    resolved_at = CalendarDateTimeField(null=True, blank=True)
    happened_on = CalendarDateField()  # the learner's local date
    created_at = CalendarDateTimeField(default=timezone.now)
    updated_at = CalendarDateTimeField(auto_now=True)
    # The posting form's key (learners/submissions.py): a repeated post logs one failure.
    submission_key = models.CharField(max_length=32, null=True, blank=True, editable=False)  # noqa: DJ001

    # A mentor reads only the failures the learner shares with them (learners/lib/reader.py).
    objects = reader.manager(FailureQuerySet, partial(reader.shared, "failures"))()

    class Meta:
        ordering = ["-happened_on", "-created_at", "-id"]
        indexes = [
            # The failure log and the timeline: a learner's failures, newest first.
            models.Index(
                fields=["learner", "-happened_on", "-created_at"], name="failure_learner_recent"
            ),
            # The lessons page, the dashboard's latest lessons and the timeline's lesson entries.
            models.Index(fields=["learner", "-lesson_at"], name="failure_learner_lesson"),
        ]
        constraints = [
            # A resolved failure says when; an open one doesn't.
            models.CheckConstraint(
                condition=Q(resolved=True, resolved_at__isnull=False)
                | Q(resolved=False, resolved_at__isnull=True),
                name="failure_resolved_has_date",
            ),
            models.CheckConstraint(
                condition=Q(minutes_lost__isnull=True) | Q(minutes_lost__lte=MAX_MINUTES_LOST),
                name="failure_minutes_lost_range",
            ),
            models.UniqueConstraint(
                fields=["learner", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="failure_submission_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        from curriculum.rendering import render_markdown

        now = timezone.now()
        if not self.lesson.strip():
            self.lesson_at = None
        elif self.lesson_at is None:
            self.lesson_at = now
        if not self.resolved:
            self.resolved_at = None
        elif self.resolved_at is None:
            self.resolved_at = now
        self.what_happened_html = render_markdown(self.what_happened, anchors=False)
        self.lesson_html = render_markdown(self.lesson, anchors=False)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "what_happened_html",
                "lesson_html",
                "lesson_at",
                "resolved_at",
                "updated_at",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("failure_detail", args=[self.pk])

    @property
    def has_lesson(self) -> bool:
        return bool(self.lesson.strip())

    def set_resolved(self, resolved: bool, now: datetime | None = None) -> bool:
        """The desired state, not a toggle (a double click resolves once); returns whether it
        changed."""
        if self.resolved == resolved:
            return False
        self.resolved = resolved
        self.resolved_at = (now or timezone.now()) if resolved else None
        self.save(update_fields=["resolved", "resolved_at"])
        return True
