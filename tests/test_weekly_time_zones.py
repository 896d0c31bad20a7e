"""Each learner gets the email at their own local hour, about their own week: learners at
UTC−10, UTC+0 and UTC+13, and weeks that cross a daylight-saving change. The sender runs every
hour on frozen time (time_machine) with `--now`, as a cron job would."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from learners.models import StudySession
from learners.study.progress import set_tick
from learners.weekly.models import WeeklyEmail
from learners.weekly.sink import SmtpSink
from tests.factories import make_learner, make_modules, make_plan

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def smtp(settings):
    settings.SITE_URL = "https://trajectory.example.com"
    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        yield sink


def run_hourly(sink: SmtpSink, first: datetime, last: datetime) -> dict[str, datetime]:
    """Run the sender every hour from `first` to `last`; when each recipient got their email."""
    arrivals: dict[str, datetime] = {}
    now = first
    while now <= last:
        before = len(sink.messages)
        with time_machine.travel(now, tick=False):
            call_command("send_weekly_progress", "--now", now.isoformat(), stdout=io.StringIO())
        for message in sink.messages[before:]:
            (recipient,) = message.recipients
            assert recipient not in arrivals, f"{recipient} got a second email at {now}"
            arrivals[recipient] = now
        now += HOUR
    return arrivals


def learner_in(zone: str, *, created: datetime, plan_start: date):
    tz = ZoneInfo(zone)
    with time_machine.travel(created, tick=False):
        learner = make_learner(f"{zone.split('/')[-1].lower()}@example.com", time_zone=zone)
        modules = make_modules(2, prefix=zone.split("/")[-1].lower())
        make_plan(learner, modules, start_date=plan_start)
    return learner, modules, tz


def local(tz: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def text_of(sink: SmtpSink, recipient: str) -> str:
    (message,) = [m for m in sink.messages if recipient in m.recipients]
    return message.parsed().get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_learners_at_utc_minus_10_0_and_plus_13_get_it_at_their_own_8am(smtp):
    created = datetime(2026, 2, 24, 12, tzinfo=UTC)  # a Tuesday: first email next Monday
    cast = {}
    for zone in ("Pacific/Honolulu", "UTC", "Pacific/Tongatapu"):
        learner, modules, tz = learner_in(zone, created=created, plan_start=date(2026, 2, 2))
        checkpoints = list(modules[0].checkpoints.order_by("position"))
        # Their own Sunday night is still the report week; their Monday just after midnight
        # is not — whatever instant in UTC that is for each of them.
        set_tick(learner, checkpoints[0], True, now=local(tz, date(2026, 3, 1), 23, 30))
        set_tick(learner, checkpoints[1], True, now=local(tz, date(2026, 3, 2), 0, 30))
        StudySession.objects.create(learner=learner, date=date(2026, 3, 1), minutes=90)
        StudySession.objects.create(learner=learner, date=date(2026, 3, 2), minutes=600)
        cast[learner.email] = tz
    arrivals = run_hourly(
        smtp, datetime(2026, 3, 1, 12, tzinfo=UTC), datetime(2026, 3, 3, 12, tzinfo=UTC)
    )
    assert arrivals == {
        "tongatapu@example.com": datetime(2026, 3, 1, 19, tzinfo=UTC),  # Mon 08:00 at UTC+13
        "utc@example.com": datetime(2026, 3, 2, 8, tzinfo=UTC),
        "honolulu@example.com": datetime(2026, 3, 2, 18, tzinfo=UTC),  # Mon 08:00 at UTC−10
    }
    for email, moment in arrivals.items():
        assert moment.astimezone(cast[email]).strftime("%A %H:%M") == "Monday 08:00"
    assert set(WeeklyEmail.objects.values_list("week_start", flat=True)) == {date(2026, 2, 23)}
    for email in arrivals:
        text = text_of(smtp, email)
        assert "Here is your week, 23 February – 1 March" in text
        assert "1.5 h studied" in text  # Sunday's session, not Monday's ten hours
        assert "1 checkpoint ticked" in text  # Sunday 23:30 local, not Monday 00:30


@pytest.mark.parametrize(
    ("monday", "hour_before", "hour_after", "hours_in_week"),
    [
        # Clocks go forward on Sunday 29 March: 08:00 is 07:00 UTC before, 06:00 UTC after.
        (date(2026, 3, 30), 7, 6, 167),
        # Clocks go back on Sunday 25 October: 08:00 is 06:00 UTC before, 07:00 UTC after.
        (date(2026, 10, 26), 6, 7, 169),
    ],
)
def test_a_week_that_crosses_a_daylight_saving_change_is_right(
    smtp, monday, hour_before, hour_after, hours_in_week
):
    berlin = ZoneInfo("Europe/Berlin")
    week = monday - timedelta(weeks=1)  # the week with the change in it
    learner, modules, _ = learner_in(
        "Europe/Berlin",
        created=datetime.combine(week - timedelta(days=6), time(12), tzinfo=UTC),
        plan_start=week - timedelta(weeks=1),
    )
    checkpoints = list(modules[0].checkpoints.order_by("position"))
    sunday = week + timedelta(days=6)
    # First and last minutes of the week on the Berlin clock, and the first of the next.
    set_tick(learner, checkpoints[0], True, now=local(berlin, week, 0, 1))
    set_tick(learner, checkpoints[1], True, now=local(berlin, sunday, 23, 59))
    set_tick(learner, checkpoints[2], True, now=local(berlin, monday, 0, 1))
    # Hourly through both Mondays: the email before the change and the one after it.
    before = datetime.combine(week, time(hour_before), tzinfo=UTC)
    after = datetime.combine(monday, time(hour_after), tzinfo=UTC)
    first_delivery = run_hourly(smtp, before - 12 * HOUR, before + 12 * HOUR)
    assert first_delivery == {"berlin@example.com": before}
    smtp.messages.clear()
    assert run_hourly(smtp, before + 13 * HOUR, after + 12 * HOUR) == {"berlin@example.com": after}
    for moment in (before, after):
        assert moment.astimezone(berlin).strftime("%A %H:%M") == "Monday 08:00"
    assert list(
        WeeklyEmail.objects.order_by("week_start").values_list("week_start", flat=True)
    ) == [
        week - timedelta(weeks=1),
        week,
    ]
    assert "2 checkpoints ticked" in text_of(smtp, "berlin@example.com")
    first = datetime.combine(week, time(0), tzinfo=berlin).astimezone(UTC)
    end = datetime.combine(monday, time(0), tzinfo=berlin).astimezone(UTC)
    assert end - first == timedelta(hours=hours_in_week)
