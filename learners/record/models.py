"""Failures and the lessons learned from them: first-class data, not shame."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from curriculum.models import Module
from learners.models import Plan
from learners.ownership import owned


class Category(models.TextChoices):
    BUG = "bug", "Bug in my code"
    CONCEPT = "concept", "Misunderstood concept"
    ENVIRONMENT = "environment", "Environment and tooling"
    DATA = "data", "Data"
    TRAINING = "training", "Training dynamics"  # initialization, learning rate, instability
    OTHER = "other", "Other"


@owned
class Failure(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="failures"
    )
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
        "time lost (minutes)", null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    lesson = models.TextField("lesson learned", max_length=20_000, blank=True)
    lesson_html = models.TextField(blank=True)  # rendered and sanitized on save
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    happened_on = models.DateField()  # the learner's local date
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-happened_on", "-created_at", "-id"]
        indexes = [
            # The failure log and the timeline: a learner's failures, newest first.
            models.Index(
                fields=["learner", "-happened_on", "-created_at"], name="failure_learner_recent"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        from curriculum.rendering import render_markdown

        self.what_happened_html = render_markdown(self.what_happened, anchors=False)
        self.lesson_html = render_markdown(self.lesson, anchors=False)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "what_happened_html",
                "lesson_html",
                "updated_at",
            }
        super().save(*args, **kwargs)
