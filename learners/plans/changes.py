"""Starting, shaping and ending a plan. Positions are kept dense (0, 1, 2…) in plan order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from curriculum.models import Module, ModuleList
from learners.models import ModuleProgress, Plan, PlanItem, PlanStatus, User
from learners.web.pagecache import touch


class PlanError(Exception):
    """A plan change that can't be made; the message is for the learner."""


def start_plan(
    learner: User,
    *,
    goal: str,
    start_date: date,
    target_end: date,
    weekly_hours: Decimal,
    modules: Iterable[Module],
    module_list: ModuleList | None = None,
    required: dict[int, bool] | None = None,
) -> Plan:
    modules = list(modules)
    if not modules:
        raise PlanError("Keep at least one module in the plan.")
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                learner=learner,
                module_list=module_list,
                goal=goal,
                start_date=start_date,
                target_end=target_end,
                weekly_hours=weekly_hours,
            )
            PlanItem.objects.bulk_create(
                PlanItem(
                    plan=plan,
                    module=module,
                    position=position,
                    required=(required or {}).get(module.id, True),
                )
                for position, module in enumerate(modules)
            )
            ModuleProgress.objects.bulk_create(
                [ModuleProgress(learner=learner, module=module) for module in modules],
                ignore_conflicts=True,  # progress from an earlier plan is kept as it is
            )
    except IntegrityError as error:
        if Plan.objects.active().filter(learner=learner).exists():
            raise PlanError(
                "You already have an active plan. Finish or abandon it before starting another."
            ) from error
        raise
    return plan


def add_module(plan: Plan, module: Module) -> PlanItem:
    _require_active(plan)
    if module.is_retired:
        raise PlanError("That module has been retired from the catalogue.")
    with transaction.atomic():
        _lock_order(plan)
        last = plan.items.aggregate(last=Max("position"))["last"]
        try:
            with transaction.atomic():
                item = PlanItem.objects.create(
                    plan=plan, module=module, position=0 if last is None else last + 1
                )
        except IntegrityError:
            raise PlanError(f"“{module.title}” is already in your plan.") from None
        ModuleProgress.objects.get_or_create(learner=plan.learner, module=module)
    return item


def remove_item(plan: Plan, item: PlanItem) -> None:
    """Drop a module from the plan. Its progress, notes and sessions stay the learner's."""
    _require_active(plan)
    with transaction.atomic():
        _lock_order(plan)
        deleted, _ = PlanItem.objects.filter(pk=item.pk, plan=plan).delete()
        if deleted:
            plan.items.filter(position__gt=item.position).update(position=F("position") - 1)
            touch(plan.learner_id)


def move_item(plan: Plan, item: PlanItem, direction: str) -> None:
    """Swap with the neighbour above ("up") or below ("down"); at an end, nothing happens."""
    _require_active(plan)
    if direction not in {"up", "down"}:
        raise PlanError("Move a module up or down.")
    with transaction.atomic():
        _lock_order(plan)
        items = list(plan.items.order_by("position", "id"))
        index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
        if index is None:
            return
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for position, each in enumerate(items):
            each.position = position
        PlanItem.objects.bulk_update(items, ["position"])
        touch(plan.learner_id)


def end_plan(plan: Plan, outcome: str) -> None:
    if outcome not in {PlanStatus.FINISHED, PlanStatus.ABANDONED}:
        raise PlanError("A plan ends finished or abandoned.")
    _require_active(plan)
    Plan.objects.filter(pk=plan.pk, status=PlanStatus.ACTIVE).update(
        status=outcome, ended_at=timezone.now()
    )
    touch(plan.learner_id)


def _lock_order(plan: Plan) -> None:
    """Changes to one plan's order (add, remove, move) take the plan's row lock first, so they
    run one at a time and each reads the positions the previous one left. Locking the items
    instead is not enough: two tabs adding modules both read the same last position, and a
    move's `ORDER BY position … FOR UPDATE` sorts before it waits, then reorders from that
    stale order and undoes the other tab's move (both seen on PostgreSQL:
    tests/test_concurrency_learners.py)."""
    list(Plan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))


def _require_active(plan: Plan) -> None:
    if not plan.is_active:
        raise PlanError("This plan has ended; it can be read but not changed.")
