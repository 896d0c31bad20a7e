"""Week boundaries: Monday-first weeks on the learner's own calendar, across zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from learners.lib.weeks import (
    local_date,
    local_midnight,
    previous_week,
    recent_week_starts,
    week_bounds,
    week_start,
)

HONOLULU = ZoneInfo("Pacific/Honolulu")  # UTC−10 all year
LONDON = ZoneInfo("Europe/London")
UTC_ZONE = ZoneInfo("UTC")
TONGA = ZoneInfo("Pacific/Tongatapu")  # UTC+13 all year since 2017
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")

HOUR = timedelta(hours=1)


def hours(span: timedelta) -> float:
    return span / HOUR


def test_the_zones_used_here_have_the_offsets_their_names_promise():
    winter, summer = datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12)
    for moment in (winter, summer):
        assert moment.replace(tzinfo=HONOLULU).utcoffset() == timedelta(hours=-10)
        assert moment.replace(tzinfo=TONGA).utcoffset() == timedelta(hours=13)
        assert moment.replace(tzinfo=UTC_ZONE).utcoffset() == timedelta(0)


# --- week_start ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),  # a Monday is its own week start
        (date(2026, 3, 4), date(2026, 3, 2)),
        (date(2026, 3, 8), date(2026, 3, 2)),  # Sunday is the last day of the week
        (date(2026, 3, 9), date(2026, 3, 9)),
        (date(2026, 1, 1), date(2025, 12, 29)),  # the week straddles new year
        (date(2027, 1, 3), date(2026, 12, 28)),  # ISO week 53 of 2026
        (date(2024, 2, 29), date(2024, 2, 26)),
    ],
)
def test_week_start_is_the_monday_on_or_before_the_day(day, monday):
    assert week_start(day) == monday
    assert week_start(day).weekday() == 0


# --- local_date ------------------------------------------------------------------------------


def test_the_same_instant_is_a_different_day_in_honolulu_london_and_tonga():
    moment = datetime(2026, 1, 1, 5, 0, tzinfo=UTC)
    assert local_date(moment, HONOLULU) == date(2025, 12, 31)
    assert local_date(moment, UTC_ZONE) == date(2026, 1, 1)
    assert local_date(moment, TONGA) == date(2026, 1, 1)


def test_a_sunday_evening_in_utc_is_already_next_week_in_tonga():
    moment = datetime(2026, 1, 4, 20, 0, tzinfo=UTC)  # Sunday 20:00 UTC
    assert local_date(moment, UTC_ZONE) == date(2026, 1, 4)
    assert local_date(moment, TONGA) == date(2026, 1, 5)  # Monday 09:00
    assert week_start(local_date(moment, TONGA)) == date(2026, 1, 5)
    assert week_start(local_date(moment, HONOLULU)) == date(2025, 12, 29)


def test_local_date_reads_the_frozen_clock_in_the_learners_zone():
    with time_machine.travel(datetime(2025, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        now = timezone.now()
        assert local_date(now, HONOLULU) == date(2025, 12, 31)
        assert local_date(now, LONDON) == date(2025, 12, 31)
        assert local_date(now, TONGA) == date(2026, 1, 1)


def test_local_date_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 1, 1, 12, 0), UTC_ZONE)


# --- week_bounds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "first", "end"),
    [
        (HONOLULU, datetime(2025, 12, 29, 10, tzinfo=UTC), datetime(2026, 1, 5, 10, tzinfo=UTC)),
        (UTC_ZONE, datetime(2025, 12, 29, 0, tzinfo=UTC), datetime(2026, 1, 5, 0, tzinfo=UTC)),
        (TONGA, datetime(2025, 12, 28, 11, tzinfo=UTC), datetime(2026, 1, 4, 11, tzinfo=UTC)),
    ],
)
def test_the_new_year_week_starts_at_local_monday_midnight(tz, first, end):
    bounds = week_bounds(date(2026, 1, 1), tz)
    assert bounds == (first, end)
    assert all(moment.tzinfo is UTC for moment in bounds)
    assert hours(end - first) == 168


@pytest.mark.parametrize(
    ("tz", "day", "first", "end", "length"),
    [
        # Paris springs forward on Sunday 29 March 2026: that week loses an hour.
        (
            PARIS,
            date(2026, 3, 25),
            datetime(2026, 3, 22, 23, tzinfo=UTC),
            datetime(2026, 3, 29, 22, tzinfo=UTC),
            167,
        ),
        # ...and falls back on Sunday 25 October 2026: that week gains one.
        (
            PARIS,
            date(2026, 10, 25),
            datetime(2026, 10, 18, 22, tzinfo=UTC),
            datetime(2026, 10, 25, 23, tzinfo=UTC),
            169,
        ),
        # New York springs forward on Sunday 8 March 2026...
        (
            NEW_YORK,
            date(2026, 3, 8),
            datetime(2026, 3, 2, 5, tzinfo=UTC),
            datetime(2026, 3, 9, 4, tzinfo=UTC),
            167,
        ),
        # ...and falls back on Sunday 1 November 2026.
        (
            NEW_YORK,
            date(2026, 10, 26),
            datetime(2026, 10, 26, 4, tzinfo=UTC),
            datetime(2026, 11, 2, 5, tzinfo=UTC),
            169,
        ),
    ],
)
def test_a_week_with_a_daylight_saving_switch_is_an_hour_shorter_or_longer(
    tz, day, first, end, length
):
    assert week_bounds(day, tz) == (first, end)
    assert hours(end - first) == length


def test_the_weeks_after_a_switch_are_back_to_168_hours():
    first, end = week_bounds(date(2026, 3, 30), PARIS)
    assert hours(end - first) == 168
    # and they tile: each week ends where the next begins
    assert week_bounds(date(2026, 3, 29), PARIS)[1] == first


@pytest.mark.parametrize("tz", [HONOLULU, UTC_ZONE, TONGA, PARIS, NEW_YORK])
@pytest.mark.parametrize("day", [date(2026, 3, 26), date(2026, 10, 29), date(2025, 12, 31)])
def test_every_instant_inside_the_bounds_is_a_day_of_that_local_week(tz, day):
    first, end = week_bounds(day, tz)
    monday = week_start(day)
    week = {monday + timedelta(days=offset) for offset in range(7)}
    moment = first
    while moment < end:
        assert local_date(moment, tz) in week
        moment += timedelta(minutes=30)
    tick = timedelta(microseconds=1)
    assert local_date(first - tick, tz) == monday - timedelta(days=1)
    assert local_date(end, tz) == monday + timedelta(days=7)


def test_a_skipped_midnight_starts_the_day_at_the_first_instant_that_exists():
    # São Paulo went from 00:00 straight to 01:00 on 4 November 2018.
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    start = local_midnight(date(2018, 11, 4), sao_paulo)
    assert start == datetime(2018, 11, 4, 3, tzinfo=UTC)
    assert start.astimezone(sao_paulo).hour == 1
    assert local_date(start - timedelta(microseconds=1), sao_paulo) == date(2018, 11, 3)


# --- recent_week_starts and previous_week ----------------------------------------------------


def test_recent_week_starts_ends_with_the_current_week_oldest_first():
    assert recent_week_starts(date(2026, 1, 2), 3) == [
        date(2025, 12, 15),
        date(2025, 12, 22),
        date(2025, 12, 29),
    ]


def test_recent_week_starts_gives_twelve_consecutive_mondays():
    mondays = recent_week_starts(date(2026, 3, 8), 12)
    assert len(mondays) == 12
    assert mondays[-1] == date(2026, 3, 2)
    assert mondays[0] == date(2025, 12, 15)
    assert all(monday.weekday() == 0 for monday in mondays)
    assert all(b - a == timedelta(days=7) for a, b in pairwise(mondays))


def test_recent_week_starts_of_one_or_none():
    assert recent_week_starts(date(2026, 3, 4), 1) == [date(2026, 3, 2)]
    assert recent_week_starts(date(2026, 3, 4), 0) == []
    assert recent_week_starts(date(2026, 3, 4), -2) == []


@pytest.mark.parametrize(
    ("today", "monday", "sunday"),
    [
        (date(2026, 3, 9), date(2026, 3, 2), date(2026, 3, 8)),  # sent on a Monday
        (date(2026, 3, 15), date(2026, 3, 2), date(2026, 3, 8)),  # or on a Sunday
        (date(2026, 1, 5), date(2025, 12, 29), date(2026, 1, 4)),  # the new-year week
        (date(2026, 1, 1), date(2025, 12, 22), date(2025, 12, 28)),
        (date(2027, 1, 4), date(2026, 12, 28), date(2027, 1, 3)),  # ISO week 53 of 2026
    ],
)
def test_previous_week_is_the_monday_to_sunday_before_this_week(today, monday, sunday):
    assert previous_week(today) == (monday, sunday)


def test_the_weekly_email_reports_on_a_different_week_in_honolulu_and_tonga():
    # Monday 5 January 2026, 08:00 in Tonga is still Sunday 4 January in Honolulu.
    with time_machine.travel(datetime(2026, 1, 4, 19, 0, tzinfo=UTC), tick=False):
        now = timezone.now()
        assert previous_week(local_date(now, TONGA)) == (date(2025, 12, 29), date(2026, 1, 4))
        assert previous_week(local_date(now, HONOLULU)) == (date(2025, 12, 22), date(2025, 12, 28))
