"""When each learner's weekly email is due: slots on their own clock, and the next send time
following their preferences wherever they are saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from learners.lib.weeks import week_bounds
from learners.models import User
from learners.weekly.models import Delivery, WeeklyEmail, WeeklySchedule
from learners.weekly.schedule import Slot, rescheduled
from tests.factories import make_learner

HONOLULU = ZoneInfo("Pacific/Honolulu")  # UTC−10, no daylight saving
TONGA = ZoneInfo("Pacific/Tongatapu")  # UTC+13, no daylight saving
BERLIN = ZoneInfo("Europe/Berlin")  # CET/CEST: clocks go forward 29 March 2026, back 25 October


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- slots -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        (HONOLULU, utc(2026, 3, 2, 18)),  # Monday 08:00 in Honolulu is 18:00 UTC
        (ZoneInfo("UTC"), utc(2026, 3, 2, 8)),
        (TONGA, utc(2026, 3, 1, 19)),  # Monday 08:00 in Tonga is Sunday 19:00 UTC
    ],
)
def test_a_monday_8am_slot_is_8am_on_the_learners_own_clock(tz, expected):
    slot = Slot(weekday=0, hour=8, tz=tz)
    assert slot.next_after(utc(2026, 3, 1, 0)) == expected
    assert expected.astimezone(tz).strftime("%A %H:%M") == "Monday 08:00"
    # The email reports on the week that ended just before: Monday 23 February to Sunday 1 March.
    assert slot.report_week(expected) == date(2026, 2, 23)


def test_the_next_slot_is_strictly_after_the_moment():
    slot = Slot(0, 8, ZoneInfo("UTC"))
    assert slot.next_after(utc(2026, 3, 2, 8)) == utc(2026, 3, 9, 8)
    assert slot.next_after(utc(2026, 3, 2, 7, 59)) == utc(2026, 3, 2, 8)
    assert slot.latest_at_or_before(utc(2026, 3, 2, 8)) == utc(2026, 3, 2, 8)
    assert slot.latest_at_or_before(utc(2026, 3, 2, 7, 59)) == utc(2026, 2, 23, 8)


def test_8am_stays_8am_across_the_spring_daylight_saving_change():
    slot = Slot(0, 8, BERLIN)
    before = slot.next_after(utc(2026, 3, 20))
    after = slot.next_after(before)
    assert before == utc(2026, 3, 23, 7)  # CET, UTC+1
    assert after == utc(2026, 3, 30, 6)  # CEST, UTC+2: 167 hours later, not 168
    assert after - before == timedelta(hours=167)
    # The email of 30 March reports on 23–29 March, a week of 167 hours.
    monday = slot.report_week(after)
    first, end = week_bounds(monday, BERLIN)
    assert (monday, end - first) == (date(2026, 3, 23), timedelta(hours=167))


def test_an_hour_that_does_not_exist_that_day_sends_once_an_hour_later():
    # Sunday 02:00 doesn't exist in Berlin on 29 March 2026: clocks jump from 02:00 to 03:00.
    slot = Slot(6, 2, BERLIN)
    slots = [slot.next_after(utc(2026, 3, 20))]
    for _ in range(2):
        slots.append(slot.next_after(slots[-1]))
    local = [moment.astimezone(BERLIN).strftime("%d %H:%M") for moment in slots]
    assert local == ["22 02:00", "29 03:00", "05 02:00"]


def test_an_hour_that_happens_twice_sends_once_at_the_first():
    # Sunday 02:00 happens twice in Berlin on 25 October 2026.
    slot = Slot(6, 2, BERLIN)
    first = slot.next_after(utc(2026, 10, 24))
    assert first == utc(2026, 10, 25, 0)  # 02:00 CEST
    # The second 02:00 (01:00 UTC, CET) is not another slot: the next is a week later.
    assert slot.next_after(first) == utc(2026, 11, 1, 1)


# --- where the next send time goes when preferences change -------------------------------------


class Prefs:
    def __init__(self, *, on=True, weekday=0, hour=8, tz="UTC", active=True):
        self.weekly_email, self.is_active = on, active
        self.weekly_email_weekday, self.weekly_email_hour = weekday, hour
        self.tz = ZoneInfo(tz)


def never_sent(monday):
    return False


def test_turning_the_email_off_leaves_nothing_due():
    assert rescheduled(Prefs(on=False), utc(2026, 3, 9, 8), utc(2026, 3, 4), never_sent) is None
    assert rescheduled(Prefs(active=False), utc(2026, 3, 9, 8), utc(2026, 3, 4), never_sent) is None


def test_turning_it_on_waits_for_the_first_slot_from_now():
    # Thursday: Monday's slot has passed, but nothing is sent at once about a week from before.
    assert rescheduled(Prefs(), None, utc(2026, 3, 5, 12), never_sent) == utc(2026, 3, 9, 8)


def test_a_change_after_this_weeks_slot_never_skips_the_email_that_is_owed():
    # Monday 09:00: the 10:00 email (about last week) hasn't gone; moving it to 08:00 makes it
    # due at once rather than skipping to next Monday.
    now = utc(2026, 3, 9, 9)
    assert rescheduled(Prefs(hour=8), utc(2026, 3, 9, 10), now, never_sent) == utc(2026, 3, 9, 8)

    def sent(monday):
        return monday == date(2026, 3, 2)

    # Once that week's email exists, the next slot is next week's.
    assert rescheduled(Prefs(hour=8), utc(2026, 3, 9, 10), now, sent) == utc(2026, 3, 16, 8)


def test_moving_to_a_later_day_this_week_waits_for_it():
    now = utc(2026, 3, 10, 12)  # Tuesday
    assert rescheduled(Prefs(weekday=4), utc(2026, 3, 16, 8), now, never_sent) == utc(
        2026, 3, 13, 8
    )


# --- the schedule follows the learner ----------------------------------------------------------


def next_send_at(user: User) -> datetime | None:
    return WeeklySchedule.objects.get(learner=user).next_send_at


@pytest.mark.django_db
def test_a_new_learner_is_scheduled_for_their_first_slot():
    with time_machine.travel(utc(2026, 3, 4, 12), tick=False):
        carol = make_learner("carol@example.com", time_zone="Pacific/Tongatapu")
    assert next_send_at(carol) == utc(2026, 3, 8, 19)  # Monday 9 March 08:00 in Tonga


@pytest.mark.django_db
def test_the_settings_page_moves_the_next_send_time(client):
    with time_machine.travel(utc(2026, 3, 4, 12), tick=False):
        carol = make_learner("carol@example.com")
        client.force_login(carol)
        response = client.post(
            "/settings/",
            {
                "display_name": "Carol",
                "time_zone": "Pacific/Honolulu",
                "weekly_hours_target": "10",
                "weekly_email": "on",
                "weekly_email_weekday": "4",
                "weekly_email_hour": "18",
            },
        )
    assert response.status_code == 302
    # Friday 6 March 18:00 in Honolulu.
    assert next_send_at(carol) == utc(2026, 3, 7, 4)


@pytest.mark.django_db
def test_turning_it_off_and_on_in_settings_clears_then_restarts_the_schedule(client):
    with time_machine.travel(utc(2026, 3, 4, 12), tick=False):
        carol = make_learner("carol@example.com")
        client.force_login(carol)
        data = {
            "display_name": "",
            "time_zone": "UTC",
            "weekly_hours_target": "10",
            "weekly_email_weekday": "0",
            "weekly_email_hour": "8",
        }
        client.post("/settings/", data)  # the checkbox unticked
        assert next_send_at(carol) is None
    with time_machine.travel(utc(2026, 3, 10, 12), tick=False):
        client.post("/settings/", {**data, "weekly_email": "on"})
    assert next_send_at(carol) == utc(2026, 3, 16, 8)


@pytest.mark.django_db
def test_saving_unchanged_settings_after_the_slot_keeps_an_owed_email_due(client):
    with time_machine.travel(utc(2026, 3, 4, 12), tick=False):
        carol = make_learner("carol@example.com")
    # The sender is late: Monday's 08:00 email is still due at 09:00.
    assert next_send_at(carol) == utc(2026, 3, 9, 8)
    with time_machine.travel(utc(2026, 3, 9, 9), tick=False):
        carol.display_name = "Carol"
        carol.save()
    assert next_send_at(carol) == utc(2026, 3, 9, 8)
    WeeklyEmail.objects.create(learner=carol, week_start=date(2026, 3, 2), status=Delivery.SENT)
    with time_machine.travel(utc(2026, 3, 9, 10), tick=False):
        carol.save()
    assert next_send_at(carol) == utc(2026, 3, 16, 8)


@pytest.mark.django_db
def test_saves_that_touch_no_schedule_field_cost_no_query(alice, django_assert_num_queries):
    alice.display_name = "Alice A."
    # the UPDATE itself, nothing else
    with django_assert_num_queries(1):
        alice.save(update_fields=["display_name"])
    with django_assert_num_queries(1):
        alice.save(update_fields=["last_login"])


@pytest.mark.django_db
def test_learners_made_in_bulk_get_a_schedule_on_the_next_run():
    User.objects.bulk_create(
        [User(email=f"bulk{i}@example.com", time_zone="Pacific/Honolulu") for i in range(3)]
        + [User(email="off@example.com", weekly_email=False)]
    )
    assert WeeklySchedule.objects.count() == 0
    assert WeeklySchedule.objects.add_missing(utc(2026, 3, 4)) == 3
    assert set(WeeklySchedule.objects.values_list("next_send_at", flat=True)) == {
        utc(2026, 3, 2 + 7, 18)
    }
    assert WeeklySchedule.objects.add_missing(utc(2026, 3, 4)) == 0


def test_a_save_days_after_signing_up_owes_no_email_about_the_week_before_joining():
    # Signed up Wednesday 4 March: the first email is Monday 9 March. Saving settings on
    # Thursday (on any hour) must not make an email due at once about 23 February – 1 March.
    first = utc(2026, 3, 9, 8)
    thursday = utc(2026, 3, 5, 12)
    assert rescheduled(Prefs(), first, thursday, never_sent) == first
    assert rescheduled(Prefs(hour=6), first, thursday, never_sent) == utc(2026, 3, 9, 6)
