"""Status, ticks and confidence: automatic timestamps, history, and idempotent repeats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from learners.models import CheckpointTick, ConfidenceRating, ModuleProgress, Status, StatusChange
from learners.study.progress import rate_confidence, set_status, set_tick
from tests.factories import make_modules

pytestmark = pytest.mark.django_db
T1 = datetime(2026, 3, 2, 9, tzinfo=UTC)
T2 = datetime(2026, 3, 9, 9, tzinfo=UTC)


def test_starting_and_finishing_set_their_timestamps_and_record_changes(alice):
    (module,) = make_modules(1)
    set_status(alice, module, Status.IN_PROGRESS, now=T1)
    progress = set_status(alice, module, Status.DONE, now=T2)
    assert (progress.started_at, progress.finished_at) == (T1, T2)
    changes = list(StatusChange.objects.order_by("at").values_list("old_status", "new_status"))
    assert changes == [("not_started", "in_progress"), ("in_progress", "done")]


def test_marking_done_directly_also_sets_a_start(alice):
    (module,) = make_modules(1)
    progress = set_status(alice, module, Status.DONE, now=T1)
    assert progress.started_at == T1


def test_going_back_clears_the_finish_and_not_started_clears_both(alice):
    (module,) = make_modules(1)
    set_status(alice, module, Status.DONE, now=T1)
    progress = set_status(alice, module, Status.IN_PROGRESS, now=T2)
    assert (progress.started_at, progress.finished_at) == (T1, None)
    progress = set_status(alice, module, Status.NOT_STARTED, now=T2)
    assert (progress.started_at, progress.finished_at) == (None, None)


def test_skipping_sets_the_finish_without_a_start(alice):
    (module,) = make_modules(1)
    progress = set_status(alice, module, Status.SKIPPED, now=T1)
    assert (progress.started_at, progress.finished_at) == (None, T1)


def test_setting_the_same_status_twice_records_one_change(alice):
    (module,) = make_modules(1)
    set_status(alice, module, Status.IN_PROGRESS)
    set_status(alice, module, Status.IN_PROGRESS)
    assert StatusChange.objects.count() == 1


def test_ticking_the_first_checkpoint_starts_the_module(alice):
    (module,) = make_modules(1)
    checkpoint = module.checkpoints.first()
    assert set_tick(alice, checkpoint, True, now=T1) is True
    progress = ModuleProgress.objects.get(learner=alice, module=module)
    assert (progress.status, progress.started_at) == (Status.IN_PROGRESS, T1)


def test_a_second_tick_is_a_no_op_and_untick_removes_it(alice):
    (module,) = make_modules(1)
    checkpoint = module.checkpoints.first()
    set_tick(alice, checkpoint, True)
    assert set_tick(alice, checkpoint, True) is False
    assert CheckpointTick.objects.count() == 1
    assert set_tick(alice, checkpoint, False) is True
    assert set_tick(alice, checkpoint, False) is False
    assert not CheckpointTick.objects.exists()


def test_ticking_does_not_restart_a_finished_module(alice):
    (module,) = make_modules(1)
    set_status(alice, module, Status.DONE, now=T1)
    set_tick(alice, module.checkpoints.first(), True, now=T2)
    assert ModuleProgress.objects.get(learner=alice, module=module).status == Status.DONE


def test_confidence_is_kept_as_a_history_of_changes(alice):
    (module,) = make_modules(1)
    rate_confidence(alice, module, 2, now=T1)
    rate_confidence(alice, module, 2, now=T1)  # a repeated click is not a change
    rate_confidence(alice, module, 4, now=T2)
    assert list(ConfidenceRating.objects.order_by("at").values_list("value", flat=True)) == [2, 4]
    assert ModuleProgress.objects.get(learner=alice, module=module).confidence == 4


def test_learners_progress_is_their_own(alice, bob):
    (module,) = make_modules(1)
    set_tick(alice, module.checkpoints.first(), True)
    assert not ModuleProgress.objects.filter(learner=bob).exists()
    assert not CheckpointTick.objects.filter(learner=bob).exists()
