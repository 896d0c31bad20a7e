"""Making runs (once per idempotency key) and describing them as JSON."""

from __future__ import annotations

from datetime import UTC

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.site import absolute_url
from curriculum.models import Module
from learners.experiments.models import Run, RunMetric
from learners.experiments.payload import RunInput


class IdempotencyConflict(Exception):
    """The key was used before with a different body."""

    def __init__(self, run: Run) -> None:
        super().__init__("Idempotency-Key reused with a different body")
        self.run = run


def create_run(
    learner, module: Module, data: RunInput, *, key: str | None, digest: str
) -> tuple[Run, bool]:
    """(run, created): a new run, or the one an earlier request with the same key made.

    The unique constraint on (learner, idempotency_key) settles a race between two retries
    arriving at once: the second INSERT fails, and it answers with the first one's run.
    """
    if key:
        existing = _existing(learner, key, digest)
        if existing is not None:
            return existing, False
    started_at = data.started_at or timezone.now()
    run = Run(
        learner=learner,
        module=module,
        name=data.name or f"Run of {started_at:%Y-%m-%d %H:%M} UTC",
        started_at=started_at,
        git_sha=data.git_sha,
        git_branch=data.git_branch,
        git_dirty=data.git_dirty,
        git_diff=data.git_diff,
        git_diff_truncated=data.git_diff_truncated,
        command=data.command,
        config=data.config,
        seed=data.seed,
        outcome=data.outcome,
        notes=data.notes,
        idempotency_key=key or None,
        request_hash=digest,
    )
    try:
        with transaction.atomic():
            run.save()
            RunMetric.objects.bulk_create(
                RunMetric(run=run, name=name, value=value, series=series)
                for name, (value, series) in data.metrics.items()
            )
    except IntegrityError:
        if not key:
            raise
        existing = _existing(learner, key, digest)
        if existing is None:
            raise
        return existing, False
    return run, True


def _existing(learner, key: str, digest: str) -> Run | None:
    run = Run.objects.filter(learner=learner, idempotency_key=key).select_related("module").first()
    if run is not None and run.request_hash != digest:
        raise IdempotencyConflict(run)
    return run


def run_json(run: Run, metrics: list[RunMetric]) -> dict:
    """A run as the API answers it. Curves and the diff are left out: they can be large."""
    return {
        "id": run.pk,
        "url": absolute_url(run.get_absolute_url()),
        "module": run.module.slug,
        "name": run.name,
        "started_at": run.started_at.astimezone(UTC).isoformat(),
        "git": {
            "sha": run.git_sha,
            "branch": run.git_branch,
            "dirty": run.git_dirty,
            "diff_chars": len(run.git_diff),
            "diff_truncated": run.git_diff_truncated,
        },
        "command": run.command,
        "config": run.config,
        "seed": run.seed,
        "outcome": run.outcome,
        "notes": run.notes,
        "metrics": {metric.name: metric.value for metric in metrics},
        "failure": run.failure_id,
        "created_at": run.created_at.astimezone(UTC).isoformat(),
    }
