"""What a new plan's dates, hours and modules imply, said while it is being set up.

The plan form offers an end that fits the track's hours at the learner's weekly target; as the
learner changes the dates, hours or modules, the hint works out what the chosen modules, dates and hours actually need, by the pace
forecast's rule (learners/plans/pace.py: hours ÷ weeks from the start through the end, both
days counted), so "about 11 hours a week" here is what the dashboard will say on day one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from learners.plans.pace import (
    MOST_HOURS_A_WEEK,
    day_text,
    hours_a_week_needed,
    hours_text,
    span_text,
)


@dataclass(frozen=True)
class PlanHint:
    modules: int
    hours: Decimal  # the curriculum's estimate for the kept modules
    start: date
    end: date
    weekly_hours: Decimal | None  # as chosen; None when the field is empty or invalid
    today: date

    @property
    def needed(self) -> float:
        return hours_a_week_needed(float(self.hours), self.start, self.end)

    @property
    def needed_text(self) -> str:
        return hours_text(self.needed)

    @property
    def span(self) -> str:
        return span_text((self.end - self.start).days + 1)

    @property
    def start_text(self) -> str:
        return day_text(self.start, self.today)

    @property
    def end_text(self) -> str:
        return day_text(self.end, self.today)

    @property
    def too_much(self) -> bool:
        return self.needed > MOST_HOURS_A_WEEK

    @property
    def short(self) -> bool:
        """The chosen hours a week fall short of what the plan needs."""
        return self.weekly_hours is not None and float(self.weekly_hours) < self.needed - 1e-9

    @property
    def finish_at_chosen(self) -> date | None:
        """The day the kept modules would be done at the chosen hours a week."""
        if not self.weekly_hours or not self.hours:
            return None
        days = math.ceil(float(self.hours) / float(self.weekly_hours) * 7)
        return self.start + timedelta(days=max(days, 1) - 1)

    @property
    def finish_text(self) -> str:
        finish = self.finish_at_chosen
        return day_text(finish, self.today) if finish else ""


def plan_hint(
    hours_by_module: dict[str, Decimal],
    kept: list[str],
    start: date | None,
    end: date | None,
    weekly_hours: Decimal | None,
    today: date,
) -> PlanHint | None:
    """The hint for these choices, or None while they say nothing yet (no module kept, or
    dates missing or the wrong way round: the form's own errors say so)."""
    chosen = [hours_by_module[value] for value in kept if value in hours_by_module]
    if not chosen or start is None or end is None or end <= start:
        return None
    return PlanHint(
        modules=len(chosen),
        hours=sum(chosen, Decimal(0)),
        start=start,
        end=end,
        weekly_hours=weekly_hours,
        today=today,
    )
