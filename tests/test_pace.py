"""The pace forecast: every state, its edges, and the words it chooses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from learners.lib.weeks import local_date
from learners.plans.pace import Forecast, PlanProgress, _span, forecast

# A 12-week plan of 120 estimated hours at 10 hours a week: Monday 2 March to Monday 25 May 2026.
START = date(2026, 3, 2)
END = START + timedelta(weeks=12)
STATES = {"not_started", "no_data", "ahead", "on_track", "behind", "overdue", "done"}


def day(n: int) -> date:
    """The plan's day n, counting the start as day 1."""
    return START + timedelta(days=n - 1)


def plan(today: date, earned: float = 0, logged: float | None = None, **changes) -> PlanProgress:
    progress = PlanProgress(
        start=START,
        target_end=END,
        today=today,
        total_hours=120,
        earned_hours=earned,
        logged_hours=earned if logged is None else logged,
        weekly_target=10,
    )
    return replace(progress, **changes)


def check(result: Forecast) -> Forecast:
    """Every forecast: a known state, a headline, one sentence of advice."""
    assert result.state in STATES
    assert result.headline
    assert result.advice.endswith(".")
    assert "None" not in result.advice
    return result


# --- before the start ------------------------------------------------------------------------


def test_before_the_start_it_says_when_the_plan_starts_and_what_it_needs():
    result = check(forecast(plan(date(2026, 2, 20))))
    assert result.state == "not_started"
    assert result.headline == "Starts on 2 March"
    assert result.advice == "To finish by 25 May the plan needs about 10 hours a week."
    assert result.projected_finish is None
    assert result.hours_per_week_needed == 9.9  # 120 hours over 85 days


def test_before_the_start_it_mentions_the_target_when_the_plan_needs_more():
    result = check(forecast(plan(date(2026, 2, 20), total_hours=150)))
    assert result.advice == (
        "To finish by 25 May the plan needs about 12 hours a week (your target is 10)."
    )


def test_a_plan_ending_next_year_says_which_year():
    progress = plan(
        date(2026, 10, 20), start=date(2026, 11, 2), target_end=date(2027, 3, 1), total_hours=100
    )
    result = check(forecast(progress))
    assert result.headline == "Starts on 2 November"
    assert "by 1 March 2027" in result.advice


# --- not enough data -------------------------------------------------------------------------


def test_on_the_start_day_there_is_not_enough_data_yet():
    result = check(forecast(plan(day(1))))
    assert result.state == "no_data"
    assert result.headline == "Not enough data yet"
    assert result.advice == "To finish by 25 May the plan needs about 10 hours a week."
    assert result.projected_finish is None
    assert result.weeks_ahead is None


def test_a_flying_first_day_is_still_not_enough_data():
    result = check(forecast(plan(day(1), earned=20)))
    assert result.state == "no_data"
    assert result.hours_per_week_needed == pytest.approx(100 / (85 / 7), abs=0.05)


def test_after_a_week_with_progress_there_is_a_forecast():
    assert forecast(plan(day(6), earned=8)).state == "no_data"
    assert forecast(plan(day(7), earned=8)).state != "no_data"


def test_the_first_two_weeks_without_progress_are_not_judged():
    result = check(forecast(plan(day(13))))
    assert result.state == "no_data"
    # 120 hours over the 73 days left, the 13th included.
    assert result.hours_per_week_needed == 11.5
    assert "needs about 12 hours a week (your target is 10)" in result.advice


def test_work_finished_before_the_plan_shortens_it_but_is_not_pace():
    # 60 hours were done in an earlier plan: nothing new after a week is not "3 weeks ahead".
    result = check(forecast(plan(day(8), earned=60, logged=0, earned_before_start=60)))
    assert result.state == "no_data"
    assert result.hours_per_week_needed == pytest.approx(60 / (78 / 7), abs=0.05)


# --- ahead, on track, behind -----------------------------------------------------------------


def test_studying_at_the_planned_rate_is_on_track():
    # 60 of 120 hours in 6 weeks: 6 more weeks lands on 24 May, a day early.
    result = check(forecast(plan(day(42), earned=60)))
    assert result.state == "on_track"
    assert result.headline == "On track"
    assert result.projected_finish == date(2026, 5, 24)
    assert result.weeks_ahead == 0.1
    assert result.extra_hours_per_week == 0
    assert result.advice == (
        "At this pace you'll finish around 24 May, in time for your target of 25 May."
    )


def test_half_a_week_late_is_still_on_track_but_says_so():
    # 58.5 hours in 6 weeks: 61.5 left at 9.75 a week is 45 days, 27 May, 2 days late.
    result = check(forecast(plan(day(42), earned=58.5)))
    assert result.state == "on_track"
    assert result.projected_finish == date(2026, 5, 27)
    assert result.weeks_ahead == -0.3
    assert result.advice == (
        "At this pace you'll finish around 27 May, a few days after your target of 25 May."
    )


def test_on_track_means_within_half_a_week_either_way():
    # 60 hours left at 10 a week from day 42 is 42 days: finish 24 May. Move the target around.
    def state(target_end: date) -> str:
        return forecast(plan(day(42), earned=60, target_end=target_end)).state

    assert state(date(2026, 5, 24) + timedelta(days=3)) == "on_track"  # 0.43 weeks early
    assert state(date(2026, 5, 24) + timedelta(days=4)) == "ahead"  # 0.57 weeks early
    assert state(date(2026, 5, 24) - timedelta(days=3)) == "on_track"
    assert state(date(2026, 5, 24) - timedelta(days=4)) == "behind"


def test_a_fast_learner_is_told_how_far_ahead():
    result = check(forecast(plan(day(42), earned=80)))
    assert result.state == "ahead"
    assert result.headline == "3 weeks ahead"
    assert result.projected_finish == date(2026, 5, 3)
    assert result.weeks_ahead == 3.1
    assert result.extra_hours_per_week == 0
    assert result.advice == (
        "At this pace you'll finish around 3 May, 3 weeks before your target of 25 May."
    )


def test_a_slow_learner_is_told_how_far_behind_and_how_many_more_hours_help():
    # 40 hours in 6 weeks: 80 left at 6.7 a week is 12 weeks, finishing 5 July.
    result = check(forecast(plan(day(42), earned=40)))
    assert result.state == "behind"
    assert result.headline == "6 weeks behind"
    assert result.projected_finish == date(2026, 7, 5)
    assert result.weeks_ahead == -5.9
    # 80 hours over the 44 days left is 12.7 a week; they study 6.7.
    assert result.hours_per_week_needed == 12.7
    assert result.extra_hours_per_week == 6.1
    assert result.advice == "6 more hours a week gets you back on track for 25 May."
    assert result.suggested_end == date(2026, 7, 12)


def test_study_hours_needed_follow_the_learners_own_efficiency():
    # Every logged hour earned half an estimated hour: the 80 left take 160 hours of study.
    result = check(forecast(plan(day(42), earned=40, logged=80)))
    assert result.hours_per_week_needed == 25.5
    assert result.extra_hours_per_week == 12.1  # 25.5 needed, 13.3 studied
    assert result.advice.startswith("12 more hours a week")


def test_nothing_logged_means_a_one_to_one_efficiency():
    result = check(forecast(plan(day(42), earned=40, logged=0)))
    assert result.hours_per_week_needed == 12.7
    # Ticking without logging: the earned rate stands in for study hours.
    assert result.extra_hours_per_week == 6.1


def test_a_forgotten_timer_cannot_make_the_efficiency_absurd():
    # 1 hour logged, 40 earned: efficiency is capped at 4, not 40.
    result = check(forecast(plan(day(42), earned=40, logged=1)))
    assert result.hours_per_week_needed == pytest.approx(80 / 4 / (44 / 7), abs=0.05)


def test_one_more_hour_is_singular():
    # 55 hours in 6 weeks finishes 1 June, a week late: 10.3 a week needed, 9.2 studied.
    result = check(forecast(plan(day(42), earned=55)))
    assert result.state == "behind"
    assert result.headline == "1 week behind"
    assert result.extra_hours_per_week == 1.2
    assert result.advice == "1 more hour a week gets you back on track for 25 May."


def test_an_impossible_catch_up_suggests_moving_the_end_date():
    # A week before the end with half the work left: 53 hours a week is not advice.
    result = check(forecast(plan(day(78), earned=60)))
    assert result.state == "behind"
    assert result.hours_per_week_needed == 52.5
    assert result.projected_finish == date(2026, 8, 4)
    assert result.suggested_end == date(2026, 8, 9)
    assert result.advice == (
        "Catching up by 25 May would take 53 hours a week, so try moving the end date to "
        "9 August, which this pace reaches."
    )


def test_on_the_target_end_day_work_left_is_behind_not_yet_overdue():
    result = check(forecast(plan(END, earned=110)))
    assert result.state == "behind"
    # The last day counts as a whole day: 10 hours in 1/7 of a week, never a division by zero.
    assert result.hours_per_week_needed == 70
    assert result.suggested_end is not None


# --- no progress and very slow progress ------------------------------------------------------


def test_no_progress_after_three_weeks_says_the_plan_wont_finish_and_what_it_needs():
    result = check(forecast(plan(day(21))))
    assert result.state == "behind"
    assert result.headline == "No progress yet"
    assert result.projected_finish is None
    assert result.weeks_ahead is None
    assert result.hours_per_week_needed == 12.9
    assert result.advice == (
        "Nothing is ticked off after 3 weeks, so at this pace the plan won't finish; to finish "
        "by 25 May the plan needs about 13 hours a week (your target is 10)."
    )


def test_logging_without_ticking_is_pointed_out_kindly():
    result = check(forecast(plan(day(21), earned=0, logged=8)))
    assert result.headline == "No progress yet"
    assert result.advice.startswith(
        "You've logged 8 hours but ticked no checkpoints yet, so this forecast can't see your "
        "progress;"
    )
    assert result.extra_hours_per_week == 10.3  # 12.9 needed, 2.7 logged a week


def test_a_crawl_is_capped_at_more_than_two_years_not_a_date_in_2090():
    result = check(forecast(plan(day(42), earned=0.5)))
    assert result.state == "behind"
    assert result.headline == "Far behind"
    assert result.projected_finish is None
    assert result.advice.startswith("At this pace the rest would take more than 2 years;")
    assert "needs about 19 hours a week" in result.advice


def test_a_rate_too_small_for_a_date_does_not_overflow():
    result = check(forecast(plan(day(42), earned=1e-5, total_hours=1e6)))
    assert result.state == "behind"
    assert result.projected_finish is None


# --- overdue ---------------------------------------------------------------------------------


def test_overdue_says_how_far_past_and_suggests_a_new_end_date():
    # 100 of 120 hours on 8 June: 20 left at 7.1 a week is 20 days, 28 June.
    result = check(forecast(plan(date(2026, 6, 8), earned=100)))
    assert result.state == "overdue"
    assert result.headline == "2 weeks overdue"
    assert result.projected_finish == date(2026, 6, 28)
    assert result.suggested_end == date(2026, 7, 5)  # a Sunday, with a few days' slack
    assert result.hours_per_week_needed is None
    assert result.extra_hours_per_week is None
    assert result.advice == (
        "At your current pace you'll finish around 28 June, so try moving the end date to 5 July."
    )


def test_one_day_overdue_is_counted_in_days():
    result = check(forecast(plan(END + timedelta(days=1), earned=110)))
    assert result.headline == "1 day overdue"


def test_overdue_without_any_pace_plans_at_the_weekly_target():
    result = check(forecast(plan(date(2026, 6, 8))))
    assert result.state == "overdue"
    assert result.projected_finish is None
    assert result.suggested_end == date(2026, 9, 6)
    assert result.advice == (
        "At 10 hours a week the remaining 120 hours take about 12 weeks, so try moving the end "
        "date to 6 September."
    )


def test_overdue_keeps_the_weekly_target_as_typed():
    result = check(forecast(plan(date(2026, 6, 8), weekly_target=7.5)))
    assert result.advice.startswith("At 7.5 hours a week the remaining 120 hours take about")


def test_overdue_beyond_the_horizon_even_at_the_target_says_so():
    result = check(forecast(plan(date(2026, 6, 8), total_hours=1000, weekly_target=0.5)))
    assert result.state == "overdue"
    assert result.suggested_end is None
    assert "would take more than 2 years" in result.advice


def test_long_overdue_reads_in_months():
    result = check(forecast(plan(date(2026, 11, 1), earned=100)))
    assert result.headline == "About 5 months overdue"


# --- done ------------------------------------------------------------------------------------


def test_finishing_early_says_by_how_much():
    result = check(forecast(plan(date(2026, 4, 30), earned=120)))
    assert result.state == "done"
    assert result.headline == "Finished 3.5 weeks early"
    assert result.projected_finish == date(2026, 4, 30)
    assert result.hours_per_week_needed is None
    assert result.advice == "You finished on 30 April, 3.5 weeks before your target of 25 May."


def test_finishing_late_is_still_celebrated():
    progress = plan(date(2026, 6, 30), earned=120, finished_on=date(2026, 6, 1))
    result = check(forecast(progress))
    assert result.headline == "Finished 1 week late"
    assert result.weeks_ahead == -1
    assert result.advice == (
        "You finished on 1 June, 1 week after your target of 25 May — well done for seeing it "
        "through."
    )


def test_finishing_on_the_target_end_is_on_time():
    result = check(forecast(plan(END, earned=120)))
    assert result.headline == "Finished on time"


def test_more_earned_than_planned_is_done_not_negative_work():
    result = check(forecast(plan(day(30), earned=130)))
    assert result.state == "done"
    assert result.weeks_ahead > 0


def test_everything_done_before_the_start_is_done():
    assert forecast(plan(date(2026, 2, 20), earned=120)).state == "done"


# --- odd inputs ------------------------------------------------------------------------------


def test_a_plan_without_hours_has_nothing_to_forecast():
    for today in (date(2026, 2, 20), day(30), date(2026, 7, 1)):
        result = check(forecast(plan(today, earned=5, total_hours=0)))
        assert result.state == "no_data"
        assert result.headline == "No modules to study"
        assert result.hours_per_week_needed is None


def test_negative_numbers_are_read_as_nothing():
    result = check(forecast(plan(day(42), earned=-5, logged=-3)))
    assert result.headline == "No progress yet"


# --- the learner's today ---------------------------------------------------------------------


def test_the_same_instant_is_the_last_day_in_honolulu_and_overdue_in_tonga():
    with time_machine.travel(datetime(2026, 5, 25, 20, 0, tzinfo=UTC), tick=False):
        now = timezone.now()
        honolulu = plan(local_date(now, ZoneInfo("Pacific/Honolulu")), earned=110)
        tonga = plan(local_date(now, ZoneInfo("Pacific/Tongatapu")), earned=110)
    assert forecast(honolulu).state == "behind"
    assert forecast(tonga).state == "overdue"
    assert forecast(tonga).headline == "1 day overdue"


# --- durations in words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (1, "1 day"),
        (6, "6 days"),
        (-3, "3 days"),
        (7, "1 week"),
        (10, "1.5 weeks"),
        (12, "1.5 weeks"),
        (13, "2 weeks"),
        (14, "2 weeks"),
        (112, "16 weeks"),
        (120, "about 4 months"),
        (365, "about 12 months"),
        (730, "about 24 months"),
        (731, "more than 2 years"),
    ],
)
def test_durations_round_to_days_half_weeks_and_months(days, words):
    assert _span(days) == words
