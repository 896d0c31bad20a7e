"""Everything the dashboard shows, read in a fixed number of queries.

The htmx write views reuse it to send back the fragments an action changed (header counts,
hours bar, charts), so the page and its fragments always agree; each part is read only when a
fragment uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.utils.safestring import SafeString

from learners.dashboard import charts
from learners.experiments import summary as experiments_summary
from learners.lib.weeks import recent_week_starts, week_start
from learners.models import Plan, PlanPause, StudySession, Timer, User
from learners.papers import ledger as papers_ledger
from learners.plans import reentry
from learners.plans.hours import hours_in, minutes_by_day
from learners.plans.pace import Forecast
from learners.plans.state import (
    ModuleState,
    PlanState,
    active_plan,
    forecast_for,
    load_plan_state,
)
from learners.record import summary as record_summary
from learners.review import summary as review_summary

HEATMAP_WEEKS = 26
CHART_WEEKS = 12
RECENT_SESSIONS = 5


@dataclass
class HoursSummary:
    this_week: Decimal
    last_week: Decimal
    target: Decimal
    weekly_chart: SafeString
    heatmap: SafeString

    # One rounding rule: hours to one decimal, halves up, and what is worked out from them
    # (what's left, the share) from the hours as shown, so the numbers on the card add up:
    # 45 minutes of 10 hours is "0.8 of 10 hours · 8% · 9.2 h to go", not 0.8 and 9.3.

    @property
    def this_week_shown(self) -> Decimal:
        return round_hours(self.this_week)

    @property
    def last_week_shown(self) -> Decimal:
        return round_hours(self.last_week)

    @property
    def percent(self) -> int:
        if not self.target:
            return 0
        share = 100 * self.this_week_shown / self.target
        return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def remaining(self) -> Decimal:
        return max(self.target - self.this_week_shown, Decimal(0))


def round_hours(hours: Decimal) -> Decimal:
    """Hours as the dashboard shows them: one decimal, halves rounded up."""
    return Decimal(hours).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Dashboard:
    """What the dashboard shows, each part read when first used.

    The page uses every part; an htmx write's answer uses only the fragments the write can have
    changed (templates/dashboard/_fragments.html), so only those parts are ever read.
    """

    def __init__(self, learner: User, today: date | None = None, module=None) -> None:
        self.learner = learner
        self.today = today or learner.local_today()
        self.module = module  # the module a write was about, if any: its row is `row`

    @cached_property
    def plan(self) -> Plan | None:
        return active_plan(self.learner)

    @cached_property
    def state(self) -> PlanState | None:
        # The shape from the cache when it holds this plan's version (learners/plans/state.py).
        return load_plan_state(self.plan, self.learner) if self.plan else None

    @cached_property
    def row(self) -> ModuleState | None:
        """The plan row of `module` (None when it isn't in the plan)."""
        if self.state is None or self.module is None:
            return None
        return next((s for s in self.state.modules if s.module.id == self.module.id), None)

    @cached_property
    def forecast(self) -> Forecast | None:
        return forecast_for(self.learner, self.state, self.today) if self.state else None

    @cached_property
    def pauses(self) -> list[PlanPause]:
        return list(self.plan.pauses.all()) if self.plan else []  # prefetched with the plan

    @cached_property
    def paused(self) -> PlanPause | None:
        return reentry.current_pause(self.pauses, self.today)

    @cached_property
    def replan(self) -> reentry.Replan | None:
        """What to offer after 14 days or more without study (one query)."""
        if self.plan is None:
            return None
        return reentry.gap(self.plan, self.state, self.forecast, self.pauses, self.today)

    @cached_property
    def hours(self) -> HoursSummary:
        if self.plan is None:
            return hours_summary(self.learner, self.today, self.learner.weekly_hours_target)
        # This week's target, less its paused days.
        target = reentry.week_target(self.plan.weekly_hours, self.pauses, week_start(self.today))
        return hours_summary(self.learner, self.today, target)

    @cached_property
    def timer(self) -> Timer | None:
        return Timer.objects.filter(learner=self.learner).select_related("module").first()

    @cached_property
    def recent_sessions(self) -> list[StudySession]:
        sessions = StudySession.objects.filter(learner=self.learner).select_related("module")
        return list(sessions[:RECENT_SESSIONS])

    @cached_property
    def record(self):
        return record_summary.for_dashboard(self.learner, self.plan, self.today)

    @cached_property
    def experiments(self):
        return experiments_summary.for_dashboard(self.learner, self.plan, self.today)

    @cached_property
    def review(self):
        return review_summary.for_dashboard(self.learner)

    @cached_property
    def papers(self) -> list[papers_ledger.PaperProgress]:
        """Papers in progress and how much of each ledger is owned (papers_ledger.DASHBOARD_QUERIES)."""
        return papers_ledger.for_dashboard(self.learner)

    @property
    def also_in_progress(self) -> list[ModuleState]:
        """Modules in progress other than the one Next up shows (it would say it twice)."""
        if self.state is None:
            return []
        shown = self.state.next_up
        return [state for state in self.state.in_progress if state is not shown]

    @property
    def week_number(self) -> int:
        return self.plan.week_number(self.today) if self.plan else 0


def build_dashboard(learner: User, today: date | None = None, module=None) -> Dashboard:
    return Dashboard(learner, today, module)


def hours_summary(learner: User, today: date, target: Decimal) -> HoursSummary:
    """This week, last week, 12 weeks of bars and 26 weeks of heatmap from one query."""
    this_monday = week_start(today)
    first_day = this_monday - timedelta(weeks=HEATMAP_WEEKS - 1)
    days = minutes_by_day(learner, first_day)
    weeks = [
        (monday, float(hours_in(days, monday, monday + timedelta(days=6))))
        for monday in recent_week_starts(today, CHART_WEEKS)
    ]
    last_monday = this_monday - timedelta(weeks=1)
    return HoursSummary(
        this_week=hours_in(days, this_monday, this_monday + timedelta(days=6)),
        last_week=hours_in(days, last_monday, last_monday + timedelta(days=6)),
        target=Decimal(target),
        # Drawn again only when the numbers they draw changed (charts.cached).
        weekly_chart=charts.cached(charts.weekly_hours_chart, weeks, float(target)),
        heatmap=charts.cached(
            charts.activity_heatmap, dict(sorted(days.items())), today, weeks=HEATMAP_WEEKS
        ),
    )
