"""New cards as their sources appear: a tick, a module marked done, a lesson written.

Signals rather than calls in each writer: ticks, statuses and lessons are written by forms, the
dashboard's quick actions, the admin and imports alike. (Rows made in bulk send none; the
importer calls cards.sync() afterwards.)
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import post_save

from learners.models import CheckpointTick, ModuleProgress, Status
from learners.papers.models import EntryChange, State
from learners.record.models import Failure
from learners.review import cards

# While an import writes a record that carries its own cards, sources make none of their own.
_held: ContextVar[bool] = ContextVar("review_cards_held", default=False)


@contextmanager
def held():
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def tick_saved(sender, instance: CheckpointTick, created: bool, **kwargs) -> None:
    if created and not kwargs.get("raw") and not _held.get():
        cards.for_checkpoint(instance.learner_id, instance.checkpoint, instance.ticked_at)


def progress_saved(sender, instance: ModuleProgress, **kwargs) -> None:
    if instance.status == Status.DONE and not kwargs.get("raw") and not _held.get():
        cards.for_module_done(instance.learner_id, instance.module, instance.finished_at)


def failure_saved(sender, instance: Failure, **kwargs) -> None:
    if instance.lesson and not kwargs.get("raw") and not _held.get():
        cards.for_lesson(instance)


def entry_checked(sender, instance: EntryChange, created: bool, **kwargs) -> None:
    if (
        created
        and instance.new_state == State.CHECKED
        and not kwargs.get("raw")
        and not _held.get()
    ):
        cards.for_ledger_entry(instance.entry, instance.at)


def connect() -> None:
    post_save.connect(tick_saved, sender=CheckpointTick, dispatch_uid="review_tick")
    post_save.connect(progress_saved, sender=ModuleProgress, dispatch_uid="review_done")
    post_save.connect(failure_saved, sender=Failure, dispatch_uid="review_lesson")
    post_save.connect(entry_checked, sender=EntryChange, dispatch_uid="review_ledger")
