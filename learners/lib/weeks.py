"""Week boundaries on the learner's calendar: weeks start on Monday, in the learner's time zone.

Dates here are local dates (a study session carries the local date it was logged on), so most
helpers are plain date arithmetic. Only `week_bounds` turns a local week into instants, for
queries on timestamps; it builds each Monday midnight in the zone instead of adding
`timedelta(days=7)` to an instant, so a week with a daylight-saving switch is 167 or 169 hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = timedelta(days=7)
# The days a URL may ask about. Every real record falls inside, and every bound computed from
# them exists: the midnight after 9999-12-31, or 0001-01-01 east of UTC, is no datetime at all.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The date on the learner's calendar at `moment` (which must be aware)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A naive datetime would be read in the server's zone: a silent off-by-one-day bug.
        raise ValueError("local_date() needs an aware datetime.")
    return moment.astimezone(tz).date()


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of `day` in `tz`, in UTC.

    Where a zone skips midnight (a daylight-saving switch at 00:00), fold=0 reads the missing
    time with the offset from before the switch, which lands on the first instant that exists.
    Where midnight happens twice, fold=0 picks the earlier one. Either way, no instant of the
    day falls outside [midnight of day, midnight of the next day).
    """
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def week_bounds(start: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local Monday 00:00 and the next local Monday 00:00 of `start`'s week, as UTC datetimes.

    Use as a half-open range: `first <= moment < end`.
    """
    monday = week_start(start)
    return local_midnight(monday, tz), local_midnight(monday + WEEK, tz)


def recent_week_starts(today: date, count: int) -> list[date]:
    """The Mondays of the last `count` weeks, oldest first, ending with the current week."""
    this_monday = week_start(today)
    return [this_monday - WEEK * back for back in range(max(count, 0) - 1, -1, -1)]


def previous_week(today: date) -> tuple[date, date]:
    """Monday and Sunday of the week before `today`'s week: what the weekly email reports on."""
    monday = week_start(today) - WEEK
    return monday, monday + timedelta(days=6)
