"""Experiment runs tied to the exact code that produced them, and the API tokens that log them."""

from __future__ import annotations

import hashlib
from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Module
from learners.lib import reader
from learners.lib.calendar_fields import CalendarDateTimeField
from learners.lib.ownership import owned
from learners.record.models import Failure


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


@owned
class ApiToken(models.Model):
    """A bearer token for the runs API. Only a hash is stored; the token is shown once."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16)  # the token's first characters, to tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the whole token
    created_at = CalendarDateTimeField(default=timezone.now)
    last_used_at = CalendarDateTimeField(null=True, blank=True)
    revoked_at = CalendarDateTimeField(null=True, blank=True)
    # The rate limit's fixed window (learners/experiments/tokens.py): kept in the row, not in a
    # per-process cache, so the limit holds however many gunicorn workers answer.
    window_started_at = CalendarDateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Outcome(models.TextChoices):
    WORKED = "worked", "Worked"
    FAILED = "failed", "Failed"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


class RunQuerySet(models.QuerySet):
    def for_learner(self, learner) -> RunQuerySet:
        return self.filter(learner=learner)

    def with_metric(self, name: str, *, alias: str = "metric_value") -> RunQuerySet:
        """Each run annotated with its final value of metric `name` (None where it has none)."""
        value = RunMetric.objects.filter(run=OuterRef("pk"), name=name).values("value")[:1]
        return self.annotate(**{alias: Subquery(value)})

    def with_primary_value(self) -> RunQuerySet:
        """Each run annotated with `primary_value`: its value of its module's primary metric."""
        primary = ModuleMetric.objects.filter(
            learner=OuterRef(OuterRef("learner")), module=OuterRef(OuterRef("module"))
        ).values("name")[:1]
        value = RunMetric.objects.filter(run=OuterRef("pk"), name=Subquery(primary)).values(
            "value"
        )[:1]
        return self.annotate(primary_value=Subquery(value))

    def started_between(self, first, end) -> RunQuerySet:
        """Runs started in the half-open range [first, end) of aware datetimes."""
        return self.filter(started_at__gte=first, started_at__lt=end)


@owned
class Run(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs"
    )
    # Shown to mentors whose scope is "only those I mark" (learners/mentors/).
    shared_with_mentors = models.BooleanField(default=False, db_default=False)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    started_at = CalendarDateTimeField(default=timezone.now)
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
    # sha256 of the request that made the run, canonical JSON: a retry with the same key must
    # carry the same body, or it is refused rather than silently answered with another run.
    request_hash = models.CharField(max_length=64, blank=True)
    created_at = CalendarDateTimeField(default=timezone.now)

    # A mentor reads only the runs the learner shares with them (learners/lib/reader.py).
    objects = reader.manager(RunQuerySet, partial(reader.shared, "runs"))()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # A retried POST with the same Idempotency-Key makes one run, not two.
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="run_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="run_outcome_valid"
            ),
            # The diff is the uncommitted code: a clean tree has none.
            models.CheckConstraint(
                condition=Q(git_dirty=True) | Q(git_diff=""), name="run_diff_only_when_dirty"
            ),
        ]
        indexes = [
            # Runs of one module, newest first; the week's best.
            models.Index(
                fields=["learner", "module", "-started_at"], name="run_learner_module_recent"
            ),
            # The run list across modules, newest first; the dashboard's two weeks of runs.
            models.Index(fields=["learner", "-started_at"], name="run_learner_recent"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        from curriculum.rendering import render_markdown

        self.notes_html = render_markdown(self.notes, anchors=False)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "notes_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("run_detail", args=[self.pk])

    @property
    def short_sha(self) -> str:
        return self.git_sha[:7]

    @property
    def diff_digest(self) -> str:
        """A fingerprint of the uncommitted changes: equal for runs with the same diff."""
        return hashlib.sha256(self.git_diff.encode()).hexdigest()[:12] if self.git_diff else ""


@owned
class RunMetric(models.Model):
    """A metric's final value, and optionally its curve as [[step, value], …]."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="metrics")

    name = models.CharField(max_length=100)
    value = models.FloatField()
    series = models.JSONField(default=list, blank=True)

    # A mentor reads only the metrics of runs the learner shares (learners/lib/reader.py).
    objects = reader.manager(models.QuerySet, partial(reader.shared, "runs", "run__"))()

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
            models.UniqueConstraint(fields=["learner", "module"], name="module_metric_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="module_metric_name_given"),
        ]

    def __str__(self) -> str:
        return f"{self.module}: {self.name} ({'lower' if self.lower_is_better else 'higher'} is better)"
