"""A plan with everything needed to show it: modules in order, their progress and checkpoints.

`load_plan_state` reads it in a fixed number of queries, however long the plan or the
learner's history; the dashboard, the plan page and the weekly email all start from it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from functools import cached_property

from django.core.cache import caches
from django.utils.translation import get_language

from curriculum.models import Checkpoint, Module
from learners.lib import reader
from learners.lib.weeks import local_date
from learners.models import CheckpointTick, ModuleProgress, Plan, PlanItem, Status, User
from learners.plans.hours import logged_hours
from learners.plans.pace import Forecast, PlanProgress, forecast
from learners.web import pagecache

FINISHED = {Status.DONE, Status.SKIPPED}
# Part of a plan row's cache key: change it with templates/dashboard/_module_row.html (or the
# templates it includes), so that a shared cache never serves a row the old template drew.
ROW_DRAWING = 1


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

    @cached_property
    def row_key(self) -> str:
        """Everything a plan row shows (templates/dashboard/_module_row.html), for the key of
        its cached HTML: two rows with the same key are the same HTML, in any process."""
        module = self.module
        return repr(
            (
                ROW_DRAWING,
                get_language(),
                module.pk,
                module.get_absolute_url(),  # under a mentor's mount too
                module.title,
                str(module.hours),
                self.status,
                self.ticked_count,
                self.checkpoint_count,
                self.item.required if self.item else None,
                self.confidence,
            )
        )


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
    def rows_key(self) -> str:
        """Everything the whole plan's list of rows shows, hashed: its rows' keys and the plan."""
        named = repr(
            (self.plan.pk, self.plan.get_absolute_url(), [s.row_key for s in self.modules])
        )
        return hashlib.blake2b(named.encode(), digest_size=20).hexdigest()

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


def load_plan_state(plan: Plan, learner: User | None = None) -> PlanState:
    """Five queries: items with modules, checkpoints, progress, ticks, prerequisites.

    Given `learner` — the request's own user, read from the database as the request began —
    the plan's shape (items, modules, checkpoints, prerequisites) may come from the cache kept
    under their `plan_version` instead (`cached_shape`): two queries then, progress and ticks,
    which are always read afresh.
    """
    shape = cached_shape(plan, learner) if learner is not None else None
    if shape is None:
        return load_plan_states([plan])[plan.pk]
    return _states([plan], {plan.pk: shape.items}, shape.checkpoints, shape.prerequisites)[plan.pk]


def load_plan_states(plans: list[Plan]) -> dict[int, PlanState]:
    """The states of several plans (a mentor's learners' plans) in the same five queries as
    one: items with modules, checkpoints, progress, ticks, prerequisites."""
    if not plans:
        return {}
    by_plan, checkpoints, prerequisites = _read_shapes(plans)
    return _states(plans, by_plan, checkpoints, prerequisites)


def _read_shapes(
    plans: list[Plan],
) -> tuple[dict[int, list[PlanItem]], dict[int, list[Checkpoint]], dict[int, set[int]]]:
    """Three queries: the plans' items with their modules, the modules' active checkpoints,
    and their prerequisites."""
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
    prerequisites: dict[int, set[int]] = {}
    edges = Module.prerequisites.through.objects.filter(from_module_id__in=modules)
    for source, target in edges.values_list("from_module_id", "to_module_id"):
        prerequisites.setdefault(source, set()).add(target)
    return by_plan, checkpoints, prerequisites


def _states(
    plans: list[Plan],
    by_plan: dict[int, list[PlanItem]],
    checkpoints: dict[int, list[Checkpoint]],
    prerequisites: dict[int, set[int]],
) -> dict[int, PlanState]:
    """Each plan's state from its shape and two queries: progress and ticks."""
    learners = {plan.learner_id for plan in plans}
    modules = list(checkpoints)
    progress = {
        (row.learner_id, row.module_id): row
        for row in ModuleProgress.objects.filter(learner_id__in=learners, module_id__in=modules)
    }
    # Every tick of these learners, without a join to the checkpoints: a tick counts only
    # where its checkpoint is among the module's active ones below, so a retired checkpoint's
    # or another module's tick is left out there (at most one a checkpoint of the curriculum).
    ticked = set(
        CheckpointTick.objects.filter(learner_id__in=learners).values_list(
            "learner_id", "checkpoint_id"
        )
    )
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


@dataclass
class Shape:
    """What a plan is made of, apart from the learner's progress through it."""

    items: list[PlanItem]
    checkpoints: dict[int, list[Checkpoint]]  # module id → its active checkpoints, in order
    prerequisites: dict[int, set[int]]


SHAPES = "fragments"  # the cache (settings.CACHES) that keeps plan shapes and page fragments
SHAPE_TIMEOUT = 24 * 60 * 60


def shape_key(plan: Plan, learner: User) -> str:
    joined = int(learner.date_joined.timestamp() * 1_000_000)  # a recreated id is another learner
    return f"planshape:{learner.pk}:{joined}:{learner.plan_version}:{plan.pk}"


def cached_shape(plan: Plan, learner: User) -> Shape | None:
    """The plan's shape from the cache, or read (three queries) and kept there; None when the
    cache may not be used, and the caller reads everything as it always did.

    The key is the learner, their `plan_version` and the plan. `plan_version` moves with every
    write that changes a shape: a plan or plan item saved or deleted (signals), every `touch()`
    (the writes that bypass signals: reordering, ending a plan, imports) and every curriculum
    load (learners/web/pagecache.py). The version is read from the database with the user at
    the start of each request, and a key is never reused for another shape, so the cache may be
    per process: an entry is never stale, another process's write moves the key instead.

    So the cache is used only inside a request (the user then is as fresh as the request),
    for the learner's own plan, not when this request has itself changed the plan's shape (its
    version in memory is then behind), nor in a mentor's read (it keeps to their scope).
    """
    if (
        plan.learner_id != learner.pk
        or not isinstance(learner.plan_version, int)
        or not pagecache.in_request()
        or pagecache.plan_written(learner.pk)
        or reader.current() is not None
    ):
        return None
    key = shape_key(plan, learner)
    shape = _recent.get(key)
    if shape is not None:
        return shape
    cache = caches[SHAPES]
    shape = cache.get(key)
    if shape is None:
        by_plan, checkpoints, prerequisites = _read_shapes([plan])
        shape = Shape(by_plan[plan.pk], checkpoints, prerequisites)
        cache.set(key, shape, SHAPE_TIMEOUT)
    _recent.put(key, shape)
    return shape


class _Recent:
    """The last shapes this process used, as objects: unpickling ~300 model instances from the
    cache costs about as much as the two queries that remain. Same keys, so never stale; the
    instances are only read (a state wraps them in new ModuleStates every time)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, Shape] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Shape | None:
        with self.lock:
            shape = self.entries.get(key)
            if shape is not None:
                self.entries.move_to_end(key)
            return shape

    def put(self, key: str, shape: Shape) -> None:
        with self.lock:
            self.entries[key] = shape
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_recent = _Recent(256)


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


def forget_recent_shapes() -> None:
    """Empty this process's shapes in memory (the test suite starts each test with none)."""
    _recent.clear()
