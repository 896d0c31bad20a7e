"""Starting and shaping plans: one active plan, drop/add/reorder, ended plans read-only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from learners.models import ModuleProgress, Plan, PlanItem, PlanStatus, Status
from learners.plans.changes import PlanError, add_module, end_plan, move_item, remove_item
from learners.plans.state import load_plan_state
from learners.study.progress import set_status, set_tick
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db


def _order(plan):
    return list(plan.items.order_by("position").values_list("module__slug", flat=True))


def test_a_plan_keeps_the_chosen_modules_in_order_and_creates_progress(alice):
    modules = make_modules(4)
    plan = make_plan(alice, [modules[0], modules[2], modules[3]])
    assert _order(plan) == ["m-0000", "m-0002", "m-0003"]
    assert ModuleProgress.objects.filter(learner=alice).count() == 3


def test_a_second_active_plan_is_refused_by_the_database_too(alice):
    modules = make_modules(2)
    make_plan(alice, modules)
    with pytest.raises(PlanError, match="already have an active plan"):
        make_plan(alice, modules)
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(
            learner=alice,
            goal="x",
            start_date="2026-01-01",
            target_end="2026-02-01",
            weekly_hours=Decimal(5),
        )


def test_an_ended_plan_allows_a_new_one_and_stays_readable(alice):
    modules = make_modules(2)
    first = make_plan(alice, modules)
    end_plan(first, PlanStatus.ABANDONED)
    second = make_plan(alice, modules[:1])
    first.refresh_from_db()
    assert first.status == PlanStatus.ABANDONED
    assert first.ended_at is not None
    assert second.is_active
    assert _order(first) == ["m-0000", "m-0001"]


def test_progress_from_an_earlier_plan_carries_over(alice):
    modules = make_modules(2)
    first = make_plan(alice, modules)
    set_status(alice, modules[0], Status.DONE)
    end_plan(first, PlanStatus.ABANDONED)
    second = make_plan(alice, modules)
    assert load_plan_state(second).modules_done == 1


def test_an_ended_plan_cannot_be_changed(alice):
    modules = make_modules(3)
    plan = make_plan(alice, modules[:2])
    end_plan(plan, PlanStatus.FINISHED)
    plan.refresh_from_db()
    with pytest.raises(PlanError, match="has ended"):
        add_module(plan, modules[2])
    with pytest.raises(PlanError):
        end_plan(plan, PlanStatus.ABANDONED)


def test_modules_are_added_at_the_end_once(alice):
    modules = make_modules(3)
    plan = make_plan(alice, modules[:2])
    add_module(plan, modules[2])
    assert _order(plan) == ["m-0000", "m-0001", "m-0002"]
    with pytest.raises(PlanError, match="already in your plan"):
        add_module(plan, modules[2])


def test_dropping_a_module_keeps_positions_dense_and_the_record(alice):
    modules = make_modules(3)
    plan = make_plan(alice, modules)
    set_tick(alice, modules[1].checkpoints.first(), True)
    remove_item(plan, plan.items.get(module=modules[1]))
    assert list(plan.items.order_by("position").values_list("position", flat=True)) == [0, 1]
    assert ModuleProgress.objects.get(learner=alice, module=modules[1]).status == Status.IN_PROGRESS


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(alice):
    modules = make_modules(3)
    plan = make_plan(alice, modules)
    move_item(plan, plan.items.get(module=modules[2]), "up")
    assert _order(plan) == ["m-0000", "m-0002", "m-0001"]
    move_item(plan, plan.items.get(module=modules[0]), "up")
    assert _order(plan) == ["m-0000", "m-0002", "m-0001"]
    move_item(plan, plan.items.get(module=modules[1]), "down")
    assert _order(plan) == ["m-0000", "m-0002", "m-0001"]
    with pytest.raises(PlanError):
        move_item(plan, plan.items.get(module=modules[1]), "sideways")


def test_the_database_refuses_an_end_before_the_start(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(
            learner=alice,
            goal="x",
            start_date="2026-02-01",
            target_end="2026-01-01",
            weekly_hours=Decimal(5),
        )


def test_week_numbers(alice):
    plan = make_plan(alice, make_modules(1))
    assert plan.total_weeks == 12
    assert plan.week_number(plan.start_date) == 1
    assert plan.week_number(plan.start_date + timedelta(days=7)) == 2
    assert plan.week_number(plan.start_date - timedelta(days=1)) == 0
    assert PlanItem.objects.count() == 1
