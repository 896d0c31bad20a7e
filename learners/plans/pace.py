"""An honest pace forecast: will this plan finish by its target end, and what would it take?

Two kinds of hours meet here. *Earned* hours are the curriculum's estimates of the work done
(a done module counts in full, an in-progress one by the share of its checkpoints ticked).
*Logged* hours are the study time the learner recorded. Progress is measured in earned hours;
advice about effort is given in logged (study) hours, converted with the learner's own
efficiency.

The rules
---------
- **Elapsed time** runs from the start date through today, counting both days: today's work is
  already in the numbers, so on the start day one day has elapsed, never zero.
- **Rate** = hours earned since the start ÷ elapsed weeks. Hours earned before the plan began
  (`earned_before_start`; progress belongs to the learner, so modules finished in an earlier
  plan count as done) shorten the remaining work but don't inflate the rate.
- **Projected finish** = today + remaining ÷ rate, rounded up to a whole day.
  **weeks_ahead** = (target end − projected finish) in weeks, to one decimal.
- **On track** when the projection is within half a week of the target end, either way
  (inclusive); more than that is **ahead** or **behind**.
- Hours and weeks in the returned fields are rounded to one decimal; the text rounds further.
- **Efficiency** = earned ÷ logged since the start, clamped to 0.25–4 so a forgotten timer or a
  session logged twice doesn't make the advice absurd. Below 1 logged hour, or with nothing
  earned yet, it is taken as 1:1.
- **hours_per_week_needed** = remaining hours ÷ efficiency ÷ weeks left, where weeks left count
  today through the target end (so it is never a division by zero, even on the last day).
- **extra_hours_per_week** = needed − the learner's current study hours a week (logged hours ÷
  elapsed weeks; when almost nothing is logged, the earned rate stands in for it). It is 0 when
  ahead or on track, and None when there is no current rate to compare with.
- Projections further than **2 years** out are not dates but "more than 2 years": at that
  point the date means nothing and a tiny rate would overflow `date`.
- **Pauses** stop the clock: paused days don't count as elapsed time, every pause moves the
  target end on by its length, and while a pause lasts the state is ``paused``.

The states, checked in this order
---------------------------------
1. ``no_data`` "No modules to study": the plan has no hours of work (empty, or all skipped).
2. ``done``: earned ≥ total. Early or late is measured from `finished_on` (today if not given)
   to the target end.
3. ``not_started``: today is before the start date ("Starts on 1 March").
4. ``overdue``: today is after the target end and work is left. It says how far past, the
   projected finish at the current pace, and suggests a new end date: the Sunday on or after
   3 days past the projected finish (some slack; plans count in weeks). Without a usable pace,
   the projection assumes study at the weekly target.
5. ``no_data`` "Not enough data yet": fewer than 7 days elapsed, or nothing earned yet within
   the first 14 days. The advice says what weekly hours the plan needs.
6. ``behind`` without a projection: nothing earned after 14 days ("No progress yet") or a
   projection beyond the 2-year horizon ("Far behind").
7. ``ahead``, ``on_track`` or ``behind`` from the projection.

Text: durations under a week in days, up to 16 weeks in weeks rounded to 0.5, then "about N
months", beyond 2 years "more than 2 years"; hours as whole numbers (at least 1); dates like
"3 March", with the year only when it isn't this year. When catching up would take more than 40
hours a week, the advice suggests moving the end date instead of asking for the impossible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import dateformat

from learners.lib.weeks import week_start

ON_TRACK_WEEKS = 0.5
MIN_DAYS_OF_DATA = 7
NO_PROGRESS_GRACE_DAYS = 14
HORIZON_DAYS = 2 * 365
MIN_LOGGED_HOURS = 1.0
MIN_EFFICIENCY, MAX_EFFICIENCY = 0.25, 4.0
# Beyond a full-time job's worth of study on top of everything else, "do more" isn't advice.
MOST_HOURS_A_WEEK = 40
SLACK = timedelta(days=3)
# Earned and total hours are sums of decimals converted to float: compare with some slack.
EPSILON = 1e-6


@dataclass(frozen=True)
class PlanProgress:
    start: date  # plan start
    target_end: date  # plan target end
    today: date  # learner's local today
    total_hours: float  # estimated hours of every module in the plan that isn't skipped
    earned_hours: float  # done modules in full, in-progress modules × ticked/total checkpoints
    logged_hours: float  # study time logged since the start
    weekly_target: float  # the plan's weekly hours target
    earned_before_start: float = 0.0  # part of earned_hours already earned when the plan began
    finished_on: date | None = None  # when everything was done, if known (for "done")
    # Pauses (learners.models.PlanPause): every paused day moves the end on by a day, and the
    # days paused so far don't count as time elapsed. While paused, the forecast waits.
    paused_days: int = 0  # days of every pause begun by today, whole
    paused_so_far: int = 0  # of those, the days from the start through today
    paused_until: date | None = None  # the day study resumes, when paused today

    @property
    def end(self) -> date:
        """The target end, moved on by the pauses."""
        return self.target_end + timedelta(days=self.paused_days)


@dataclass(frozen=True)
class Forecast:
    # "not_started" | "no_data" | "paused" | "ahead" | "on_track" | "behind" | "overdue" | "done"
    state: str
    projected_finish: date | None
    weeks_ahead: float | None  # positive = ahead of target_end, negative = behind
    hours_per_week_needed: float | None  # study hours a week from now on to finish by target_end
    extra_hours_per_week: float | None  # needed minus current logged hours a week
    headline: str  # short: "2 weeks behind", "On track", "Not enough data yet"
    advice: str  # one sentence
    # For "behind" and "overdue": an end date this pace reaches (without a usable pace, study at
    # the weekly target), with a few days' slack. None when even that is past the horizon.
    suggested_end: date | None = None


def forecast(progress: PlanProgress) -> Forecast:
    p = progress
    total = max(p.total_hours, 0.0)
    earned = min(max(p.earned_hours, 0.0), total)
    remaining = total - earned
    today = p.today

    if total <= EPSILON:
        return Forecast(
            state="no_data",
            projected_finish=None,
            weeks_ahead=None,
            hours_per_week_needed=None,
            extra_hours_per_week=None,
            headline="No modules to study",
            advice="Add modules to this plan, or bring back skipped ones, to see a forecast.",
        )

    if remaining <= EPSILON:
        return _done(p)

    if p.paused_until is not None and today < p.paused_until:
        return Forecast(
            state="paused",
            projected_finish=None,
            weeks_ahead=None,
            hours_per_week_needed=None,
            extra_hours_per_week=None,
            headline=f"Paused until {day_text(p.paused_until, today)}",
            advice=(
                "The forecast waits while you're away. The days you take move your target end "
                f"with them: it is now {day_text(p.end, today)}."
            ),
        )

    if today < p.start:
        needed = _needed_per_week(remaining, p.start, p.end, efficiency=1.0)
        return Forecast(
            state="not_started",
            projected_finish=None,
            weeks_ahead=None,
            hours_per_week_needed=round(needed, 1),
            extra_hours_per_week=None,
            headline=f"Starts on {day_text(p.start, today)}",
            advice=_needs_sentence(needed, p, remaining, efficiency=1.0),
        )

    elapsed_days = max((today - p.start).days + 1 - p.paused_so_far, 1)
    elapsed_weeks = elapsed_days / 7
    earned_here = max(min(p.earned_hours, total) - max(p.earned_before_start, 0.0), 0.0)
    logged = max(p.logged_hours, 0.0)
    rate = earned_here / elapsed_weeks  # earned hours a week
    efficiency = _efficiency(earned_here, logged)
    days_to_finish = _days_to_finish(remaining, rate)

    if today > p.end:
        return _overdue(p, remaining, efficiency, elapsed_days, days_to_finish)

    needed = _needed_per_week(remaining, today, p.end, efficiency)
    # Study hours a week so far; someone ticking without logging gets their earned rate, 1:1.
    current = logged / elapsed_weeks if logged >= MIN_LOGGED_HOURS else rate

    if elapsed_days < MIN_DAYS_OF_DATA or (
        earned_here <= EPSILON and elapsed_days < NO_PROGRESS_GRACE_DAYS
    ):
        return Forecast(
            state="no_data",
            projected_finish=None,
            weeks_ahead=None,
            hours_per_week_needed=round(needed, 1),
            extra_hours_per_week=None,
            headline="Not enough data yet",
            advice=_needs_sentence(needed, p, remaining, efficiency),
        )

    if days_to_finish is None:
        extra = max(needed - current, 0.0)
        if earned_here <= EPSILON:
            headline = "No progress yet"
            if logged >= MIN_LOGGED_HOURS:
                advice = (
                    f"You've logged {_hours(logged)} but ticked no checkpoints yet, so this "
                    f"forecast can't see your progress; {_needs_clause(needed, p, remaining, efficiency)}."
                )
            else:
                advice = (
                    f"Nothing is ticked off after {_span(elapsed_days)}, so at this pace the plan "
                    f"won't finish; {_needs_clause(needed, p, remaining, efficiency)}."
                )
        else:
            headline = "Far behind"
            advice = (
                f"At this pace the rest would take more than 2 years; "
                f"{_needs_clause(needed, p, remaining, efficiency)}."
            )
        return Forecast(
            state="behind",
            projected_finish=None,
            weeks_ahead=None,
            hours_per_week_needed=round(needed, 1),
            extra_hours_per_week=round(extra, 1),
            headline=headline,
            advice=advice,
            suggested_end=_suggested_end_at_target(p, remaining, efficiency),
        )

    projected = today + timedelta(days=days_to_finish)
    days_ahead = (p.end - projected).days
    weeks_ahead = days_ahead / 7
    target = day_text(p.end, today)
    finish = day_text(projected, today)

    if abs(weeks_ahead) <= ON_TRACK_WEEKS:
        state, headline = "on_track", "On track"
        extra = 0.0
        if days_ahead >= 0:
            advice = (
                f"At this pace you'll finish around {finish}, in time for your target of {target}."
            )
        else:
            advice = f"At this pace you'll finish around {finish}, a few days after your target of {target}."
        suggested = None
    elif weeks_ahead > 0:
        state, headline = "ahead", f"{_capital(_span(days_ahead))} ahead"
        extra = 0.0
        advice = f"At this pace you'll finish around {finish}, {_span(days_ahead)} before your target of {target}."
        suggested = None
    else:
        state, headline = "behind", f"{_capital(_span(-days_ahead))} behind"
        extra = max(needed - current, 0.0)
        suggested = _suggest_end(projected)
        if needed > MOST_HOURS_A_WEEK:
            advice = (
                f"Catching up by {target} would take {_hours(needed)} a week, so try moving "
                f"the end date to {day_text(suggested, today)}, which this pace reaches."
            )
        else:
            advice = f"{_capital(_more_hours(extra))} a week gets you back on track for {target}."

    return Forecast(
        state=state,
        projected_finish=projected,
        weeks_ahead=round(weeks_ahead, 1),
        hours_per_week_needed=round(needed, 1),
        extra_hours_per_week=round(extra, 1),
        headline=headline,
        advice=advice,
        suggested_end=suggested,
    )


# --- the states that need more than a few lines ----------------------------------------------


def _done(p: PlanProgress) -> Forecast:
    finished = p.finished_on or p.today
    days_early = (p.end - finished).days
    when = day_text(finished, p.today)
    target = day_text(p.end, p.today)
    if days_early > 0:
        headline = f"Finished {_span(days_early)} early"
        advice = f"You finished on {when}, {_span(days_early)} before your target of {target}."
    elif days_early == 0:
        headline = "Finished on time"
        advice = f"You finished on {when}, right on your target date — well done."
    else:
        headline = f"Finished {_span(-days_early)} late"
        advice = (
            f"You finished on {when}, {_span(-days_early)} after your target of {target} — "
            "well done for seeing it through."
        )
    return Forecast(
        state="done",
        projected_finish=finished,
        weeks_ahead=round(days_early / 7, 1),
        hours_per_week_needed=None,
        extra_hours_per_week=None,
        headline=headline,
        advice=advice,
    )


def _overdue(
    p: PlanProgress,
    remaining: float,
    efficiency: float,
    elapsed_days: int,
    days_to_finish: int | None,
) -> Forecast:
    today = p.today
    headline = f"{_capital(_span((today - p.end).days))} overdue"
    if elapsed_days >= MIN_DAYS_OF_DATA and days_to_finish is not None:
        projected = today + timedelta(days=days_to_finish)
        suggested = _suggest_end(projected)
        advice = (
            f"At your current pace you'll finish around {day_text(projected, today)}, "
            f"so try moving the end date to {day_text(suggested, today)}."
        )
        weeks_ahead = round((p.end - projected).days / 7, 1)
    else:
        projected, weeks_ahead = None, None
        suggested = _suggested_end_at_target(p, remaining, efficiency)
        study = remaining / efficiency
        days = _days_at_target(p, remaining, efficiency)
        if suggested is not None and days is not None:
            advice = (
                f"At {_target_hours(p.weekly_target)} a week the remaining {_hours(study)} take "
                f"about {_span(days)}, so try moving the end date to {day_text(suggested, today)}."
            )
        elif p.weekly_target > 0:
            advice = (
                f"At {_target_hours(p.weekly_target)} a week the remaining {_hours(study)} would "
                "take more than 2 years; a bigger weekly target or fewer modules would help."
            )
        else:
            advice = "Set a weekly hours target to get a suggested new end date."
    return Forecast(
        state="overdue",
        projected_finish=projected,
        weeks_ahead=weeks_ahead,
        hours_per_week_needed=None,
        extra_hours_per_week=None,
        headline=headline,
        advice=advice,
        suggested_end=suggested,
    )


# --- arithmetic ------------------------------------------------------------------------------


def _efficiency(earned: float, logged: float) -> float:
    """Earned hours per logged hour, within bounds; 1:1 until there is something to measure."""
    if logged < MIN_LOGGED_HOURS or earned <= EPSILON:
        return 1.0
    return min(max(earned / logged, MIN_EFFICIENCY), MAX_EFFICIENCY)


def _days_to_finish(remaining: float, rate: float) -> int | None:
    """Whole days to earn `remaining` at `rate` a week; None when never or beyond the horizon."""
    if rate <= EPSILON:
        return None
    days = remaining / rate * 7
    if days > HORIZON_DAYS:
        return None
    return max(math.ceil(days - EPSILON), 1)


def hours_a_week_needed(hours: float, start: date, target_end: date) -> float:
    """Hours a week to do `hours` of work from `start` through `target_end`, both days counted:
    what a plan needs before it has begun (learners/plans/hint.py), by the forecast's rule."""
    return _needed_per_week(hours, start, target_end, efficiency=1.0)


def hours_text(value: float) -> str:
    """Hours as the forecast says them: whole, halves up, at least 1 ("11 hours")."""
    return _hours(value)


def span_text(days: int) -> str:
    """A duration as the forecast says it ("12 weeks", "about 5 months")."""
    return _span(days)


def _needed_per_week(remaining: float, first: date, target_end: date, efficiency: float) -> float:
    """Study hours a week from `first` through `target_end` (both counted) to finish."""
    weeks_left = ((target_end - first).days + 1) / 7
    return remaining / efficiency / weeks_left


def _days_at_target(p: PlanProgress, remaining: float, efficiency: float) -> int | None:
    """Whole days to finish studying at the weekly target; None without one or past the horizon."""
    if p.weekly_target <= 0:
        return None
    days = math.ceil(remaining / efficiency / p.weekly_target * 7 - EPSILON)
    if days > HORIZON_DAYS:
        return None
    return max(days, 1)


def _suggested_end_at_target(p: PlanProgress, remaining: float, efficiency: float) -> date | None:
    """The end date that studying at the weekly target would reach, if within the horizon."""
    days = _days_at_target(p, remaining, efficiency)
    if days is None:
        return None
    return _suggest_end(p.today + timedelta(days=days))


def _suggest_end(projected: date) -> date:
    """A new end date: the Sunday on or after three days past the projected finish.

    A projection is an estimate, so the suggestion keeps 3 to 9 days of slack, and ends a week
    the way plans are counted.
    """
    return week_start(projected + SLACK) + timedelta(days=6)


# --- words -----------------------------------------------------------------------------------


def _needs_sentence(needed: float, p: PlanProgress, remaining: float, efficiency: float) -> str:
    return _capital(_needs_clause(needed, p, remaining, efficiency)) + "."


def _needs_clause(needed: float, p: PlanProgress, remaining: float, efficiency: float) -> str:
    target = day_text(p.end, p.today)
    if needed > MOST_HOURS_A_WEEK:
        suggested = _suggested_end_at_target(p, remaining, efficiency)
        move = (
            f"try moving the end date to {day_text(suggested, p.today)}"
            if suggested
            else "consider moving the end date"
        )
        return f"finishing by {target} would take {_hours(needed)} a week, so {move}"
    clause = f"to finish by {target} the plan needs about {_hours(needed)} a week"
    if p.weekly_target > 0 and _whole(needed) != _whole(p.weekly_target):
        clause += f" (your target is {p.weekly_target:g})"
    return clause


def _whole(value: float) -> int:
    """Round half up: Python's round() sends 2.5 to 2, which reads as a typo in advice."""
    return math.floor(value + 0.5)


def _hours(value: float) -> str:
    n = max(_whole(value), 1)
    return "1 hour" if n == 1 else f"{n} hours"


def _target_hours(value: float) -> str:
    """The learner's own target as they typed it: 7.5 stays 7.5."""
    return "1 hour" if value == 1 else f"{value:g} hours"


def _more_hours(value: float) -> str:
    n = max(_whole(value), 1)
    return "1 more hour" if n == 1 else f"{n} more hours"


def _span(days: int) -> str:
    """A duration for people: days under a week, half weeks to 16 weeks, then months."""
    days = abs(days)
    if days < 7:
        return "1 day" if days == 1 else f"{days} days"
    weeks = math.floor(days / 7 * 2 + 0.5) / 2
    if weeks <= 16:
        if weeks == 1:
            return "1 week"
        return f"{weeks:g} weeks"
    if days <= HORIZON_DAYS:
        return f"about {_whole(days / 30.44)} months"
    return "more than 2 years"


def day_text(day: date, today: date) -> str:
    """'3 March', or '3 March 2027' when it isn't this year (the forecast's and the email's)."""
    if day.year == today.year:
        return dateformat.format(day, "j F")
    return dateformat.format(day, "j F Y")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def weeks_for(hours: float, weekly_hours: float) -> int:
    """Whole weeks that `hours` of study take at `weekly_hours` a week (0 without hours)."""
    if not hours or not weekly_hours or weekly_hours <= 0:
        return 0
    return max(1, math.ceil(float(hours) / float(weekly_hours) - EPSILON))
