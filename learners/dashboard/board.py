"""Everything the dashboard shows, read in a fixed number of queries.

The htmx write views reuse it to send back the fragments an action changed (header counts,
hours bar, charts), so the page and its fragments always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.safestring import SafeString

from learners.dashboard import charts
from learners.experiments import summary as experiments_summary
from learners.lib.weeks import recent_week_starts, week_start
from learners.models import Plan, StudySession, Timer, User
from learners.plans.hours import hours_in, minutes_by_day
from learners.plans.pace import Forecast
from learners.plans.state import PlanState, active_plan, forecast_for, load_plan_state
from learners.record import summary as record_summary

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

    @property
    def percent(self) -> int:
        return round(100 * self.this_week / self.target) if self.target else 0

    @property
    def remaining(self) -> Decimal:
        return max(self.target - self.this_week, Decimal(0))


@dataclass
class Dashboard:
    learner: User
    today: date
    plan: Plan | None
    state: PlanState | None
    forecast: Forecast | None
    hours: HoursSummary
    timer: Timer | None
    recent_sessions: list[StudySession]
    record: object = None  # learners.record.summary.for_dashboard()
    experiments: object = None  # learners.experiments.summary.for_dashboard()

    @property
    def week_number(self) -> int:
        return self.plan.week_number(self.today) if self.plan else 0


def build_dashboard(learner: User, today: date | None = None) -> Dashboard:
    today = today or learner.local_today()
    plan = active_plan(learner)
    state = load_plan_state(plan) if plan else None
    target = plan.weekly_hours if plan else learner.weekly_hours_target
    hours = hours_summary(learner, today, target)
    pace = forecast_for(learner, state, today) if state else None
    return Dashboard(
        learner=learner,
        today=today,
        plan=plan,
        state=state,
        forecast=pace,
        hours=hours,
        timer=Timer.objects.filter(learner=learner).select_related("module").first(),
        recent_sessions=list(
            StudySession.objects.filter(learner=learner).select_related("module")[:RECENT_SESSIONS]
        ),
        record=record_summary.for_dashboard(learner, plan, today),
        experiments=experiments_summary.for_dashboard(learner, plan, today),
    )


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
        weekly_chart=charts.weekly_hours_chart(weeks, float(target)),
        heatmap=charts.activity_heatmap(days, today, weeks=HEATMAP_WEEKS),
    )
