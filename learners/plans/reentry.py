"""Coming back: pausing a plan for a while, and an honest re-plan after a gap.

- **A pause** (a holiday, illness, a crunch at work) starts today and lasts until a resume
  date. The pace forecast stops its clock, the target end moves on by the paused days, a week's
  hours target shrinks by its paused days (a week paused whole has none and breaks no run of
  weeks on target), and the weekly email says "paused until …" once, then stays quiet.
- **A gap**: fourteen days or more without study in an active plan that isn't paused. The
  dashboard offers three honest ways on, each one click: the end date the learner's own pace
  now reaches, the hours a week that keep the old date, or dropping the optional modules left.
  Each is kept as a `PlanRevision` beside what it replaced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from learners.models import (
    Plan,
    PlanItem,
    PlanPause,
    PlanRevision,
    RevisionChange,
    StudySession,
)
from learners.plans.changes import PlanError
from learners.plans.pace import MOST_HOURS_A_WEEK, Forecast
from learners.plans.state import PlanState
from learners.web.pagecache import touch

GAP_DAYS = 14
LONGEST_PAUSE = timedelta(days=366)


# --- pauses ------------------------------------------------------------------------------------


def current_pause(pauses, today: date) -> PlanPause | None:
    return next((p for p in pauses if p.starts_on <= today < p.resumes_on), None)


def paused_days_in(pauses, first: date, last: date) -> int:
    """Paused days from `first` through `last`, both counted."""
    return sum(pause.days_within(first, last + timedelta(days=1)) for pause in pauses)


def week_target(weekly_hours: Decimal, pauses, monday: date) -> Decimal:
    """A week's hours target, less its paused days: a week paused whole has none."""
    active = 7 - paused_days_in(pauses, monday, monday + timedelta(days=6))
    return Decimal(weekly_hours) * active / 7


def pause(plan: Plan, today: date, resumes_on: date | None) -> PlanPause:
    if not plan.is_active:
        raise PlanError("Only an active plan can be paused.")
    if resumes_on is None or resumes_on <= today:
        raise PlanError("Choose the day you'll be back: tomorrow or later.")
    if resumes_on - today > LONGEST_PAUSE:
        raise PlanError("Pause for at most a year; a longer break is a new plan.")
    with transaction.atomic():
        Plan.objects.select_for_update().filter(pk=plan.pk).first()  # one pause at a time
        if current_pause(plan.pauses.all(), today) is not None:
            raise PlanError("This plan is paused already; resume it first.")
        return PlanPause.objects.create(plan=plan, starts_on=today, resumes_on=resumes_on)


def resume(plan: Plan, today: date) -> PlanPause | None:
    """Back early: the pause ends today (a pause begun today leaves no trace)."""
    found = current_pause(plan.pauses.all(), today)
    if found is None:
        return None
    if found.starts_on == today:
        found.delete()
    else:
        found.resumes_on = today
        found.save(update_fields=["resumes_on"])
    return found


# --- a re-plan after a gap -----------------------------------------------------------------


@dataclass(frozen=True)
class Replan:
    last_study: date | None
    days_away: int
    new_end: date | None  # the end the learner's own pace reaches
    hours_needed: Decimal | None  # a week, to keep the target end
    optional: list  # the optional modules not finished (ModuleState)

    @property
    def optional_hours(self) -> Decimal:
        return sum((state.hours for state in self.optional), Decimal(0))


def gap(
    plan: Plan, state: PlanState, forecast: Forecast | None, pauses, today: date
) -> Replan | None:
    """The re-plan to offer, or None: no gap of GAP_DAYS, a pause, or nothing to re-plan.
    One query (the last session)."""
    if forecast is None or forecast.state in {"done", "paused", "not_started", "no_data"}:
        return None
    if current_pause(pauses, today) is not None:
        return None
    last = (
        StudySession.objects.filter(learner_id=plan.learner_id, date__lte=today)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    since = max(filter(None, [last, plan.start_date - timedelta(days=1)]))
    away = (today - since).days - paused_days_in(pauses, since, today)
    if away < GAP_DAYS:
        return None
    hours = forecast.hours_per_week_needed
    needed = Decimal(math.ceil(hours * 2) / 2) if hours is not None else None
    if needed is not None and (needed > MOST_HOURS_A_WEEK or needed == plan.weekly_hours):
        needed = None  # beyond reach, or what the plan asks already
    return Replan(
        last_study=last,
        days_away=away,
        new_end=forecast.suggested_end or forecast.projected_finish,
        hours_needed=max(needed, Decimal("0.5")) if needed is not None else None,
        optional=[s for s in state.modules if s.item and not s.item.required and not s.is_finished],
    )


def apply(plan: Plan, change: str, replan: Replan, reason: str) -> PlanRevision:
    """One click: make the change, keep what it replaced."""
    revision = PlanRevision(plan=plan, change=change, reason=reason)
    with transaction.atomic():
        if change == RevisionChange.END and replan.new_end and replan.new_end > plan.start_date:
            revision.old_target_end, revision.new_target_end = plan.target_end, replan.new_end
            plan.target_end = replan.new_end
            plan.save(update_fields=["target_end"])
        elif change == RevisionChange.HOURS and replan.hours_needed:
            revision.old_weekly_hours = plan.weekly_hours
            revision.new_weekly_hours = max(replan.hours_needed, Decimal("0.5"))
            plan.weekly_hours = revision.new_weekly_hours
            plan.save(update_fields=["weekly_hours"])
        elif change == RevisionChange.DROP and replan.optional:
            revision.dropped = [
                {"slug": s.module.slug, "title": s.module.title} for s in replan.optional
            ]
            PlanItem.objects.filter(pk__in=[s.item.pk for s in replan.optional]).delete()
            _close_positions(plan)
        else:
            raise PlanError("That re-plan isn't on offer any more.")
        revision.save()
    return revision


def _close_positions(plan: Plan) -> None:
    items = list(plan.items.order_by("position", "id"))
    for position, item in enumerate(items):
        item.position = position
    PlanItem.objects.bulk_update(items, ["position"])
    touch(plan.learner_id)
