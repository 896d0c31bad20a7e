"""Experiment runs tied to the exact code that produced them, and the API tokens that log them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from curriculum.models import Module
from learners.ownership import owned
from learners.record.models import Failure


@owned
class ApiToken(models.Model):
    """A bearer token for the runs API. Only a hash is stored; the token is shown once."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16)  # the token's first characters, to tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the whole token
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Outcome(models.TextChoices):
    WORKED = "worked", "Worked"
    FAILED = "failed", "Failed"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


@owned
class Run(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    started_at = models.DateTimeField(default=timezone.now)
    git_sha = models.CharField(max_length=40, blank=True)
    git_branch = models.CharField(max_length=200, blank=True)
    git_dirty = models.BooleanField(default=False)
    git_diff = models.TextField(blank=True)  # uncommitted changes, up to a size limit
    git_diff_truncated = models.BooleanField(default=False)
    command = models.TextField(blank=True)
    config = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.INCONCLUSIVE)
    notes = models.TextField(blank=True)
    notes_html = models.TextField(blank=True)  # rendered and sanitized on save
    failure = models.ForeignKey(
        Failure, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    # NULL, not "", when absent: the unique constraint must ignore runs without a key.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # A retried POST with the same Idempotency-Key makes one run, not two.
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="run_idempotency_key_unique",
            ),
        ]
        indexes = [
            # Runs of one module, newest first; the week's best.
            models.Index(
                fields=["learner", "module", "-started_at"], name="run_learner_module_recent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        from curriculum.rendering import render_markdown

        self.notes_html = render_markdown(self.notes, anchors=False)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "notes_html"}
        super().save(*args, **kwargs)


@owned
class RunMetric(models.Model):
    """A metric's final value, and optionally its curve as [[step, value], …]."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=100)
    value = models.FloatField()
    series = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="run_metric_unique")]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


@owned
class ModuleMetric(models.Model):
    """The metric a learner judges a module's runs by, e.g. validation perplexity, lower better."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_metrics"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    lower_is_better = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "module"], name="module_metric_unique")
        ]

    def __str__(self) -> str:
        return f"{self.module}: {self.name} ({'lower' if self.lower_is_better else 'higher'} is better)"
