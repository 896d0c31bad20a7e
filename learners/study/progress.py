"""What a learner does to a module: change its status, tick checkpoints, rate confidence.

Each action is idempotent where a double click or a second tab could repeat it, and records
the event the timeline needs (StatusChange, ConfidenceRating). Timestamps follow the status:
starting sets `started_at`, finishing or skipping sets `finished_at`, going back clears it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from curriculum.models import Checkpoint, Module
from learners.models import (
    CheckpointTick,
    ConfidenceRating,
    ModuleProgress,
    Status,
    StatusChange,
    User,
)


def progress_for(learner: User, module: Module) -> ModuleProgress:
    progress, _ = ModuleProgress.objects.get_or_create(learner=learner, module=module)
    return progress


def set_status(
    learner: User, module: Module, status: str, *, now: datetime | None = None
) -> ModuleProgress:
    """Move the module to `status`, with its timestamps, and record the change once."""
    with transaction.atomic():
        progress = progress_for(learner, module)
        # Lock the row so two tabs changing the status at once record two honest changes.
        progress = ModuleProgress.objects.select_for_update().get(pk=progress.pk)
        old = progress.status
        if old == status:
            return progress
        # Read the clock holding the lock, so the timeline's times follow the order of changes.
        now = now or timezone.now()
        progress.status = status
        if status == Status.NOT_STARTED:
            progress.started_at = None
            progress.finished_at = None
        elif status == Status.IN_PROGRESS:
            progress.started_at = progress.started_at or now
            progress.finished_at = None
        else:  # done or skipped
            if status == Status.DONE:
                progress.started_at = progress.started_at or now
            progress.finished_at = now
        progress.save(update_fields=["status", "started_at", "finished_at", "updated_at"])
        StatusChange.objects.create(
            learner=learner, module=module, old_status=old, new_status=status, at=now
        )
    return progress


def set_tick(
    learner: User, checkpoint: Checkpoint, ticked: bool, *, now: datetime | None = None
) -> bool:
    """Tick or untick; returns whether anything changed. Ticking the first one starts the module."""
    now = now or timezone.now()
    if not ticked:
        deleted, _ = CheckpointTick.objects.filter(learner=learner, checkpoint=checkpoint).delete()
        return bool(deleted)
    try:
        with transaction.atomic():
            CheckpointTick.objects.create(learner=learner, checkpoint=checkpoint, ticked_at=now)
    except IntegrityError:
        return False  # already ticked: a double click or another tab got there first
    progress = progress_for(learner, checkpoint.module)
    if progress.status == Status.NOT_STARTED:
        set_status(learner, checkpoint.module, Status.IN_PROGRESS, now=now)
    return True


def rate_confidence(
    learner: User, module: Module, value: int, *, now: datetime | None = None
) -> ModuleProgress:
    """Keep the rating as history, and the latest on the progress row for quick display."""
    with transaction.atomic():
        progress = progress_for(learner, module)
        # Lock the row before comparing: two tabs sending the same rating at once would each
        # read the old value and both record it (measured on PostgreSQL: tests/
        # test_concurrency_learners.py).
        progress = ModuleProgress.objects.select_for_update().get(pk=progress.pk)
        if progress.confidence == value:
            return progress  # the history records changes; a repeated click is not one
        now = now or timezone.now()  # holding the lock: history's times follow its order
        ConfidenceRating.objects.create(learner=learner, module=module, value=value, at=now)

        ModuleProgress.objects.filter(pk=progress.pk).update(confidence=value, updated_at=now)
        progress.confidence = value
    return progress
