"""Study time, summed per day of the learner's calendar. Sessions carry their local date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from learners.models import StudySession, User


def minutes_by_day(
    learner: User, since: date, until: date | None = None, module=None
) -> dict[date, int]:
    """One query: {day: minutes} for every day with study time from `since` (to `until`),
    on one module if given."""
    sessions = StudySession.objects.filter(learner=learner, date__gte=since)
    if until is not None:
        sessions = sessions.filter(date__lte=until)
    if module is not None:
        sessions = sessions.filter(module=module)
    rows = sessions.values("date").annotate(total=Sum("minutes")).order_by()
    return {row["date"]: row["total"] for row in rows}


def logged_hours(learner: User, since: date, until: date | None = None) -> Decimal:
    sessions = StudySession.objects.filter(learner=learner, date__gte=since)
    if until is not None:
        sessions = sessions.filter(date__lte=until)
    minutes = sessions.aggregate(total=Sum("minutes"))["total"] or 0
    return Decimal(minutes) / 60


def hours_in(days: dict[date, int], first: date, last: date) -> Decimal:
    """Hours between two days (inclusive) from a minutes_by_day() result."""
    minutes = sum(value for day, value in days.items() if first <= day <= last)
    return Decimal(minutes) / 60
