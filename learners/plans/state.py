"""A plan with everything needed to show it: modules in order, their progress and checkpoints.

`load_plan_state` reads it in a fixed number of queries, however long the plan or the
learner's history; the dashboard, the plan page and the weekly email all start from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from functools import cached_property

from curriculum.models import Checkpoint, Module
from learners.lib.weeks import local_date
from learners.models import CheckpointTick, ModuleProgress, Plan, PlanItem, Status, User
from learners.plans.hours import logged_hours
from learners.plans.pace import Forecast, PlanProgress, forecast

FINISHED = {Status.DONE, Status.SKIPPED}


@dataclass
class ModuleState:
    module: Module
    item: PlanItem | None = None
    progress: ModuleProgress | None = None
    checkpoints: list[Checkpoint] = field(default_factory=list)
    ticked_ids: set[int] = field(default_factory=set)

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else Status.NOT_STARTED

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def confidence(self) -> int | None:
        return self.progress.confidence if self.progress else None

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def ticked_count(self) -> int:
        return sum(1 for checkpoint in self.checkpoints if checkpoint.id in self.ticked_ids)

    @property
    def checkpoint_count(self) -> int:
        return len(self.checkpoints)

    @property
    def checkpoints_done(self) -> int:
        """A module marked done has all its checkpoints done, ticked or not."""
        return self.checkpoint_count if self.status == Status.DONE else self.ticked_count

    @property
    def percent(self) -> int:
        """Done is 100% whatever the ticks; otherwise the share of checkpoints ticked."""
        if self.status == Status.DONE:
            return 100
        if not self.checkpoints:
            return 0
        return round(100 * self.ticked_count / self.checkpoint_count)

    @property
    def next_checkpoint(self) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.id not in self.ticked_ids), None)

    @property
    def hours(self) -> Decimal:
        return self.module.hours or Decimal(0)

    @property
    def earned_hours(self) -> Decimal:
        """Estimated hours done: all of a done module, a ticked share of one in progress."""
        if self.status == Status.DONE:
            return self.hours
        if self.status == Status.SKIPPED or not self.checkpoints:
            return Decimal(0)
        return self.hours * self.ticked_count / self.checkpoint_count

    def with_checkpoints(self):
        return [(checkpoint, checkpoint.id in self.ticked_ids) for checkpoint in self.checkpoints]


@dataclass
class PlanState:
    plan: Plan
    modules: list[ModuleState]
    prerequisites: dict[int, set[int]]  # module id → ids of its prerequisites

    @cached_property
    def counted(self) -> list[ModuleState]:
        """Skipped modules leave the plan's totals: the learner decided they don't need them."""
        return [state for state in self.modules if state.status != Status.SKIPPED]

    @property
    def modules_done(self) -> int:
        return sum(1 for state in self.counted if state.status == Status.DONE)

    @property
    def modules_total(self) -> int:
        return len(self.counted)

    @property
    def checkpoints_done(self) -> int:
        return sum(state.checkpoints_done for state in self.counted)

    @property
    def checkpoints_total(self) -> int:
        return sum(state.checkpoint_count for state in self.counted)

    @property
    def percent_modules(self) -> int:
        return round(100 * self.modules_done / self.modules_total) if self.modules_total else 0

    @property
    def percent_checkpoints(self) -> int:
        if not self.checkpoints_total:
            return 0
        return round(100 * self.checkpoints_done / self.checkpoints_total)

    @property
    def total_hours(self) -> Decimal:
        return sum((state.hours for state in self.counted), Decimal(0))

    @property
    def earned_hours(self) -> Decimal:
        return sum((state.earned_hours for state in self.counted), Decimal(0))

    def earned_before(self, start: date, tz: tzinfo) -> Decimal:
        """Hours of modules done before `start` (a day of the learner's calendar, in `tz`):
        they shorten the plan, not the pace."""
        return sum(
            (
                state.hours
                for state in self.counted
                if state.status == Status.DONE
                and state.progress.finished_at
                and local_date(state.progress.finished_at, tz) < start
            ),
            Decimal(0),
        )

    def finished_on(self, tz: tzinfo) -> date | None:
        """The day (in `tz`) the last counted module was finished, when every one of them is
        finished with a known date; None otherwise (the forecast then reads today)."""
        days = [
            local_date(state.progress.finished_at, tz)
            for state in self.counted
            if state.is_finished and state.progress.finished_at
        ]
        if not days or len(days) < len(self.counted):
            return None
        return max(days)

    @cached_property
    def next_up(self) -> ModuleState | None:
        """The first unfinished module whose prerequisites in this plan are all finished.

        Prerequisites outside the plan count as known: leaving them out was the learner's choice.
        """
        finished = {state.module.id for state in self.modules if state.is_finished}
        in_plan = {state.module.id for state in self.modules}
        for state in self.modules:
            if state.is_finished:
                continue
            needed = self.prerequisites.get(state.module.id, set()) & in_plan
            if needed <= finished:
                return state
        return None

    @property
    def in_progress(self) -> list[ModuleState]:
        return [state for state in self.modules if state.status == Status.IN_PROGRESS]

    @property
    def is_complete(self) -> bool:
        return bool(self.modules) and all(state.is_finished for state in self.modules)


def active_plan(learner: User) -> Plan | None:
    """The active plan, with its pauses (the forecast and the week's target read them)."""
    return (
        Plan.objects.for_learner(learner)
        .active()
        .select_related("module_list")
        .prefetch_related("pauses")
        .first()
    )


def load_plan_state(plan: Plan) -> PlanState:
    """Five queries: items with modules, checkpoints, progress, ticks, prerequisites."""
    return load_plan_states([plan])[plan.pk]


def load_plan_states(plans: list[Plan]) -> dict[int, PlanState]:
    """The states of several plans (a mentor's learners' plans) in the same five queries as
    one: items with modules, checkpoints, progress, ticks, prerequisites."""
    if not plans:
        return {}
    by_plan: dict[int, list[PlanItem]] = {plan.pk: [] for plan in plans}
    modules: dict[int, Module] = {}
    for item in (
        PlanItem.objects.filter(plan__in=plans)
        # The module's text is the heaviest column and nothing here shows it.
        .select_related("module")
        .defer("module__body_html")
        .order_by("plan_id", "position", "id")
    ):
        item.module = modules.setdefault(item.module_id, item.module)
        by_plan[item.plan_id].append(item)
    checkpoints: dict[int, list[Checkpoint]] = {module_id: [] for module_id in modules}
    for checkpoint in (
        Checkpoint.objects.active()
        .filter(module_id__in=modules)
        .only("id", "module_id", "key", "text", "html", "position", "requires_ledger")
    ):
        checkpoint.module = modules[checkpoint.module_id]  # no query to name its module
        checkpoints[checkpoint.module_id].append(checkpoint)
    learners = {plan.learner_id for plan in plans}
    progress = {
        (row.learner_id, row.module_id): row
        for row in ModuleProgress.objects.filter(learner_id__in=learners, module_id__in=modules)
    }
    ticked = set(
        CheckpointTick.objects.filter(
            learner_id__in=learners, checkpoint__module_id__in=modules, checkpoint__retired=False
        ).values_list("learner_id", "checkpoint_id")
    )
    prerequisites: dict[int, set[int]] = {}
    edges = Module.prerequisites.through.objects.filter(from_module_id__in=modules)
    for source, target in edges.values_list("from_module_id", "to_module_id"):
        prerequisites.setdefault(source, set()).add(target)
    states = {}
    for plan in plans:
        learner_id = plan.learner_id
        states[plan.pk] = PlanState(
            plan=plan,
            modules=[
                ModuleState(
                    module=item.module,
                    item=item,
                    progress=progress.get((learner_id, item.module_id)),
                    checkpoints=checkpoints[item.module_id],
                    ticked_ids={
                        c.id for c in checkpoints[item.module_id] if (learner_id, c.id) in ticked
                    },
                )
                for item in by_plan[plan.pk]
            ],
            prerequisites=prerequisites,  # read against each plan's own modules
        )
    return states


def forecast_for(
    learner: User, state: PlanState, today: date, logged: Decimal | None = None
) -> Forecast:
    """The pace forecast of a loaded plan (one more query: the hours logged since its start,
    unless `logged` gives them; another for its pauses unless prefetched, as active_plan()
    does).

    The dashboard and the weekly email both show it; this is where its inputs are gathered.
    """
    plan = state.plan
    pauses = [pause for pause in plan.pauses.all() if pause.starts_on <= today]
    current = next((p for p in pauses if p.starts_on <= today < p.resumes_on), None)
    return forecast(
        PlanProgress(
            start=plan.start_date,
            target_end=plan.target_end,
            today=today,
            total_hours=float(state.total_hours),
            earned_hours=float(state.earned_hours),
            earned_before_start=float(state.earned_before(plan.start_date, learner.tz)),
            logged_hours=float(
                logged_hours(learner, plan.start_date) if logged is None else logged
            ),
            weekly_target=float(plan.weekly_hours),
            finished_on=state.finished_on(learner.tz),
            paused_days=sum(pause.days for pause in pauses),
            paused_so_far=sum(
                pause.days_within(plan.start_date, today + timedelta(days=1)) for pause in pauses
            ),
            paused_until=current.resumes_on if current else None,
        )
    )
