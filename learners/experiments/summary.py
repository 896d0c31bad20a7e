"""What the dashboard and the module page show from this app: this week's best run against
last week's best, on each module's primary metric.

Weeks are the learner's (Monday to Sunday in their time zone, learners/weeks.py). The
*_QUERIES constants say how many queries each function costs, so the pages' query-count
tests stay exact as this app grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Subquery

from curriculum.models import Module
from learners.experiments.compare import format_delta, format_number
from learners.experiments.models import ModuleMetric, Run, RunMetric
from learners.lib.weeks import local_date, week_bounds

DASHBOARD_QUERIES = 1  # the two weeks' primary-metric values
MODULE_QUERIES = 3  # the primary metric, the latest runs, the two weeks' values
RECENT_RUNS = 5


@dataclass(frozen=True)
class Best:
    run_id: int
    run_name: str
    value: float
    started_at: datetime

    @property
    def shown(self) -> str:
        return format_number(self.value)


@dataclass
class WeekAgainstWeek:
    """One module's best run this week and last week, on its primary metric."""

    module_slug: str
    module_title: str
    metric: str
    lower_is_better: bool
    this_week: Best | None
    last_week: Best | None

    @property
    def delta(self) -> str:
        if self.this_week is None or self.last_week is None:
            return ""
        return format_delta(self.this_week.value - self.last_week.value)

    @property
    def verdict(self) -> str:
        """better, worse or same: this week against last week."""
        if self.this_week is None or self.last_week is None:
            return ""
        if self.this_week.value == self.last_week.value:
            return "same"
        improved = (self.this_week.value < self.last_week.value) == self.lower_is_better
        return "better" if improved else "worse"


@dataclass
class DashboardSummary:
    modules: list[WeekAgainstWeek]


@dataclass
class ModuleSummary:
    metric: ModuleMetric | None
    weeks: WeekAgainstWeek | None
    recent: list[Run]  # the latest runs, annotated with primary_value
    more: bool


def two_weeks(learner, today: date, module: Module | None = None) -> list[WeekAgainstWeek]:
    """Best runs of this and last week per module with a primary metric, in one query."""
    this_first, this_end = week_bounds(today, learner.tz)
    last_first, _ = week_bounds(today - timedelta(days=7), learner.tz)
    primary = ModuleMetric.objects.filter(learner=learner, module=OuterRef("run__module"))
    rows = (
        RunMetric.objects.filter(
            run__learner=learner,
            run__started_at__gte=last_first,
            run__started_at__lt=this_end,
            name=Subquery(primary.values("name")[:1]),
        )
        .annotate(lower_is_better=Subquery(primary.values("lower_is_better")[:1]))
        .values_list(
            "run_id",
            "run__name",
            "run__started_at",
            "run__module__slug",
            "run__module__title",
            "name",
            "value",
            "lower_is_better",
        )
        .order_by("run__module__title", "run__started_at", "run_id")
    )
    if module is not None:
        rows = rows.filter(run__module=module)
    found: dict[str, WeekAgainstWeek] = {}
    for run_id, name, started, slug, title, metric, value, lower in rows:
        entry = found.setdefault(slug, WeekAgainstWeek(slug, title, metric, lower, None, None))
        best = Best(run_id, name, value, started)
        week = "this_week" if started >= this_first else "last_week"
        current = getattr(entry, week)
        # Earliest first: a later run only replaces the best if strictly better.
        if current is None or (value < current.value if lower else value > current.value):
            setattr(entry, week, best)
    return list(found.values())


def for_dashboard(learner, plan, today) -> DashboardSummary:
    return DashboardSummary(modules=two_weeks(learner, today))


def for_module(learner, module) -> ModuleSummary:
    metric = ModuleMetric.objects.filter(learner=learner, module=module).first()
    recent = list(
        Run.objects.for_learner(learner)
        .filter(module=module)
        .with_primary_value()
        .only("id", "name", "started_at", "outcome", "git_sha", "git_dirty", "module_id")[
            : RECENT_RUNS + 1
        ]
    )
    weeks = two_weeks(learner, learner.local_today(), module)
    return ModuleSummary(
        metric=metric,
        weeks=weeks[0] if weeks else None,
        recent=recent[:RECENT_RUNS],
        more=len(recent) > RECENT_RUNS,
    )


def best_in_week_before(run: Run, metric: ModuleMetric) -> Run | None:
    """The best run of `run`'s module in the week before `run`'s own week (learner's weeks)."""
    tz = run.learner.tz
    day = local_date(run.started_at, tz) - timedelta(days=7)
    first, end = week_bounds(day, tz)
    order = "metric_value" if metric.lower_is_better else "-metric_value"
    return (
        Run.objects.for_learner(run.learner_id)
        .filter(module_id=run.module_id)
        .started_between(first, end)
        .with_metric(metric.name)
        .filter(metric_value__isnull=False)
        .order_by(order, "started_at", "id")
        .first()
    )
