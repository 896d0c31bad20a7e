"""Coming back without shame: a paused plan, and an honest re-plan after a gap — through the
pace forecast, the dashboard, the plan page and the weekly email (real SMTP on loopback)."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine

from learners.models import Plan, PlanPause, PlanRevision, StudySession
from learners.plans import reentry
from learners.plans.changes import PlanError
from learners.plans.pace import PlanProgress, forecast
from learners.plans.state import forecast_for, load_plan_state
from learners.study.progress import set_status
from learners.weekly.models import WeeklyEmail
from tests.factories import make_modules, make_plan
from tests.test_weekly_email import learner_with_plan, send, smtp  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)  # a Monday
BASE = PlanProgress(
    start=START,
    target_end=START + timedelta(weeks=10),
    today=START + timedelta(weeks=6),
    total_hours=100,
    earned_hours=30,
    logged_hours=30,
    weekly_target=10,
)


# --- the forecast ------------------------------------------------------------------------------


def test_while_paused_the_forecast_waits_and_names_the_moved_end():
    paused = forecast(
        replace(BASE, paused_days=14, paused_so_far=3, paused_until=BASE.today + timedelta(days=11))
    )
    assert paused.state == "paused"
    assert paused.headline == "Paused until 24 April"
    assert "it is now 25 May" in paused.advice  # 11 May + 14 days
    assert paused.hours_per_week_needed is None


def test_paused_days_are_not_time_spent_and_move_the_end_on():
    without = forecast(BASE)
    after_pause = forecast(
        PlanProgress(**{**BASE.__dict__, "paused_days": 14, "paused_so_far": 14})
    )
    # 30 hours in 6 weeks is behind; the same 30 hours in 4 active weeks is a better pace, and
    # the end is two weeks later: the pause costs nothing.
    assert without.state == "behind"
    assert after_pause.projected_finish < without.projected_finish
    assert after_pause.weeks_ahead > without.weeks_ahead + 2


# --- pausing and resuming -------------------------------------------------------------------


@pytest.fixture
def planned(client, alice):
    modules = make_modules(3, checkpoints=2)
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        plan = make_plan(alice, modules, target_end=date(2026, 5, 25))
    client.force_login(alice)
    return plan


def test_a_plan_is_paused_until_a_day_and_resumed_early(client, alice, planned):
    with time_machine.travel(datetime(2026, 4, 1, 9, tzinfo=UTC), tick=False):
        response = client.post(f"/plans/{planned.pk}/pause/", {"resumes_on": "2026-04-15"})
        assert response.status_code == 302
        pause = PlanPause.objects.get(plan=planned)
        assert (pause.starts_on, pause.resumes_on) == (date(2026, 4, 1), date(2026, 4, 15))
        page = client.get("/").text
        assert "Paused until 15 April" in page
        assert "I'm back: resume now" in page
        assert "it is now 8 June" in page  # 25 May + 14 days
    with time_machine.travel(datetime(2026, 4, 6, 9, tzinfo=UTC), tick=False):
        client.post(f"/plans/{planned.pk}/resume/")
        pause.refresh_from_db()
        assert pause.resumes_on == date(2026, 4, 6)  # five days taken, not fourteen
        page = client.get(f"/plans/{planned.pk}/").text
        assert "Paused 1 Apr 2026 – 6 Apr 2026 (5 days)." in page
        state = load_plan_state(Plan.objects.get(pk=planned.pk))
        assert forecast_for(alice, state, date(2026, 4, 6)).state != "paused"


@pytest.mark.parametrize(
    ("resumes_on", "message"),
    [
        ("", "Choose the day you'll be back"),
        ("2026-04-01", "tomorrow or later"),
        ("2027-06-01", "at most a year"),
        ("someday", "Choose the day you'll be back"),
    ],
)
def test_a_pause_that_cant_be_is_refused_with_a_reason(client, planned, resumes_on, message):
    with time_machine.travel(datetime(2026, 4, 1, 9, tzinfo=UTC), tick=False):
        response = client.post(
            f"/plans/{planned.pk}/pause/", {"resumes_on": resumes_on}, follow=True
        )
    assert message in unescape(response.text)
    assert not PlanPause.objects.exists()


def test_one_pause_at_a_time(planned):
    reentry.pause(planned, date(2026, 4, 1), date(2026, 4, 10))
    with pytest.raises(PlanError, match="paused already"):
        reentry.pause(planned, date(2026, 4, 2), date(2026, 4, 20))


def test_a_week_paused_whole_has_no_target_and_breaks_no_run_of_weeks_on_target(alice, planned):
    from learners.weekly.report import build_report

    # On target (10 h) every week but the week of 16 March, which was paused whole.
    for monday in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 23)):
        StudySession.objects.create(learner=alice, date=monday, minutes=600)
    PlanPause.objects.create(
        plan=planned, starts_on=date(2026, 3, 16), resumes_on=date(2026, 3, 23)
    )
    report = build_report(alice, date(2026, 3, 23), datetime(2026, 3, 30, 8, tzinfo=UTC))
    paused_bar = next(bar for bar in report.bars if bar.monday == date(2026, 3, 16))
    assert paused_bar.paused and not paused_bar.on_target
    assert report.streak == 3
    # A week paused for three days of seven has four sevenths of the target.
    assert (
        reentry.week_target(
            Decimal(10),
            [PlanPause(starts_on=date(2026, 3, 30), resumes_on=date(2026, 4, 2))],
            date(2026, 3, 30),
        )
        == Decimal(40) / 7
    )


PAUSED_GOLDEN = """\
Hi Ada,

Your plan “Build a chatbot” is paused until 23 March. Nothing counts against you while it waits: the pace, the weekly target and these emails pause with it, and the target end moves on by the days you take.

This is the only email until you're back. Come back earlier whenever you like, from your dashboard:
https://trajectory.example.com/
"""


def test_the_weekly_email_says_paused_until_once_then_stays_quiet(smtp):  # noqa: F811
    ada = learner_with_plan("ada@example.com", display_name="Ada")
    plan = Plan.objects.get(learner=ada)
    with time_machine.travel(datetime(2026, 3, 6, 12, tzinfo=UTC), tick=False):
        reentry.pause(plan, date(2026, 3, 6), date(2026, 3, 23))
    send(datetime(2026, 3, 9, 8, tzinfo=UTC))
    (received,) = smtp.messages
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert message["Subject"] == "Your plan is paused until 23 March — enjoy the break"
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert text.split("\n--\n")[0] == PAUSED_GOLDEN
    send(datetime(2026, 3, 16, 8, tzinfo=UTC))
    assert len(smtp.messages) == 1  # quiet while the pause lasts
    send(datetime(2026, 3, 23, 8, tzinfo=UTC))
    assert len(smtp.messages) == 2  # back: the week's email again
    assert "paused" not in smtp.messages[-1].data.decode().split("Subject:")[1].split("\n")[0]
    assert WeeklyEmail.objects.filter(learner=ada).count() == 2


# --- a re-plan after a gap ------------------------------------------------------------------


@pytest.fixture
def away(client, alice):
    """Six weeks into a 10-week plan, a module done in week one, then nothing for 20 days."""
    modules = make_modules(4, checkpoints=2)
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        plan = make_plan(alice, modules, target_end=date(2026, 5, 11))
        plan.items.filter(module=modules[3]).update(required=False)
    with time_machine.travel(datetime(2026, 3, 5, 9, tzinfo=UTC), tick=False):
        set_status(alice, modules[0], "done")
    StudySession.objects.create(
        learner=alice, module=modules[0], date=date(2026, 3, 22), minutes=180
    )
    client.force_login(alice)
    return plan


NOW = datetime(2026, 4, 11, 9, tzinfo=UTC)  # 20 days after the last session


@time_machine.travel(NOW, tick=False)
def test_after_a_fortnight_away_the_dashboard_offers_three_ways_on(client, away):
    page = client.get("/").text
    assert "Welcome back" in page
    assert "Your last study session was on 22 March: 20 days ago." in page
    assert "Move the end to" in page
    assert "h a week" in page and "to keep 11 May 2026" in page
    assert "Drop the optional modules" in page and "Module m 0003" in page


@time_machine.travel(NOW, tick=False)
def test_moving_the_end_keeps_the_old_plan_and_the_forecast_follows(client, alice, away):
    state = load_plan_state(away)
    before = forecast_for(alice, state, NOW.date())
    offer = reentry.gap(away, state, before, [], NOW.date())
    client.post(f"/plans/{away.pk}/replan/", {"change": "end"})
    away.refresh_from_db()
    assert away.target_end == offer.new_end
    revision = PlanRevision.objects.get(plan=away)
    assert (revision.change, revision.old_target_end, revision.new_target_end) == (
        "end",
        date(2026, 5, 11),
        offer.new_end,
    )
    after = forecast_for(alice, load_plan_state(away), NOW.date())
    assert before.state == "behind" and after.state in {"on_track", "ahead"}
    assert "Moved the target end after 20 days away" in client.get(f"/plans/{away.pk}/").text


@time_machine.travel(NOW, tick=False)
def test_the_other_offers_change_the_hours_or_drop_the_optional_modules(client, alice, away):
    client.post(f"/plans/{away.pk}/replan/", {"change": "drop"})
    assert away.items.count() == 3
    assert list(away.items.values_list("position", flat=True)) == [0, 1, 2]
    assert PlanRevision.objects.get(plan=away).dropped == [
        {"slug": "m-0003", "title": "Module m 0003"}
    ]
    state = load_plan_state(away)
    offer = reentry.gap(away, state, forecast_for(alice, state, NOW.date()), [], NOW.date())
    client.post(f"/plans/{away.pk}/replan/", {"change": "hours"})
    away.refresh_from_db()
    revision = PlanRevision.objects.get(plan=away, change="hours")
    assert revision.old_weekly_hours == Decimal(10)
    # 7.5 hours left over the five weeks to 11 May: the honest figure, half-hours rounded up.
    assert away.weekly_hours == revision.new_weekly_hours == offer.hours_needed == Decimal("1.5")


@time_machine.travel(NOW, tick=False)
def test_no_offer_after_studying_again_or_while_paused(client, alice, away):
    StudySession.objects.create(learner=alice, date=NOW.date(), minutes=30)
    assert "Welcome back" not in client.get("/").text
    StudySession.objects.filter(date=NOW.date()).delete()
    reentry.pause(away, NOW.date(), NOW.date() + timedelta(days=7))
    assert "Welcome back" not in client.get("/").text
    response = client.post(f"/plans/{away.pk}/replan/", {"change": "end"}, follow=True)
    assert "isn't on offer any more" in unescape(response.text)
