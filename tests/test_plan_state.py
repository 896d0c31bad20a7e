"""The numbers a plan shows: percent done, earned hours, next up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from learners.models import Status
from learners.plans.state import load_plan_state
from learners.study.progress import set_status, set_tick
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db


def test_percentages_and_earned_hours(alice):
    a, b, c = make_modules(3)  # 2.5 h each, 3 checkpoints each
    plan = make_plan(alice, [a, b, c])
    set_status(alice, a, Status.DONE)
    set_tick(alice, b.checkpoints.first(), True)
    set_status(alice, c, Status.SKIPPED)

    state = load_plan_state(plan)

    assert (state.modules_done, state.modules_total) == (1, 2)  # skipped leaves the totals
    assert (state.checkpoints_done, state.checkpoints_total) == (4, 6)  # done counts in full
    assert state.percent_modules == 50
    assert state.percent_checkpoints == 67
    assert state.total_hours == Decimal("5.0")
    assert state.earned_hours == Decimal("2.5") + Decimal("2.5") / 3


def test_a_done_module_counts_in_full_whatever_its_ticks(alice):
    (a,) = make_modules(1)
    plan = make_plan(alice, [a])
    set_status(alice, a, Status.DONE)
    state = load_plan_state(plan).modules[0]
    assert (state.percent, state.earned_hours) == (100, Decimal("2.5"))


def test_next_up_waits_for_prerequisites_in_the_plan(alice):
    a, b, c = make_modules(3)  # b requires a, c requires b
    plan = make_plan(alice, [b, a, c])
    assert load_plan_state(plan).next_up.module == a  # b waits on a, though b is first
    set_status(alice, a, Status.DONE)
    state = load_plan_state(plan)
    assert state.next_up.module == b
    assert state.next_up.next_checkpoint.key == "c0"


def test_prerequisites_left_out_of_the_plan_count_as_known(alice):
    _a, b = make_modules(2)  # b requires a
    plan = make_plan(alice, [b])
    assert load_plan_state(plan).next_up.module == b


def test_nothing_is_next_when_everything_is_finished(alice):
    a, b = make_modules(2)
    plan = make_plan(alice, [a, b])
    set_status(alice, a, Status.DONE)
    set_status(alice, b, Status.SKIPPED)
    state = load_plan_state(plan)
    assert state.next_up is None
    assert state.is_complete


def test_it_loads_in_five_queries_whatever_the_size(alice, django_assert_num_queries):
    modules = make_modules(40, checkpoints=8)
    plan = make_plan(alice, modules)
    for module in modules[:20]:
        set_tick(alice, module.checkpoints.first(), True)
    # items+modules, checkpoints, progress, ticks, prerequisites
    with django_assert_num_queries(5):
        state = load_plan_state(plan)
        assert state.checkpoints_done == 20


def test_a_module_done_before_the_plan_started_is_judged_by_the_learners_calendar(alice):
    """Finished at 08:00 on the start day in Auckland is the 13th there, the 12th in UTC."""
    from datetime import UTC, datetime, timedelta

    alice.time_zone = "Pacific/Auckland"
    alice.save()
    (module,) = make_modules(1)
    start = datetime(2026, 3, 13).date()
    plan = make_plan(alice, [module], start_date=start, target_end=start + timedelta(weeks=12))
    set_status(alice, module, Status.DONE, now=datetime(2026, 3, 12, 19, tzinfo=UTC))  # 08:00 NZDT
    state = load_plan_state(plan)
    assert state.earned_before(start, alice.tz) == 0  # done on the start day, not before it
    assert state.earned_before(start + timedelta(days=1), alice.tz) == Decimal("2.5")


def test_a_finished_plan_is_judged_on_the_day_it_was_finished_not_today(alice):
    """Finished 60 days ago, a week before the target: still "a week early", months later."""
    from datetime import UTC, date, datetime, timedelta

    from learners.plans.state import forecast_for

    a, b = make_modules(2)
    start = date(2026, 1, 5)
    plan = make_plan(alice, [a, b], start_date=start, target_end=date(2026, 3, 30))
    set_status(alice, a, Status.DONE, now=datetime(2026, 3, 1, 12, tzinfo=UTC))
    set_status(alice, b, Status.DONE, now=datetime(2026, 3, 23, 12, tzinfo=UTC))
    state = load_plan_state(plan)
    assert state.finished_on(alice.tz) == date(2026, 3, 23)
    later = forecast_for(alice, state, date(2026, 3, 23) + timedelta(days=60))
    assert later.state == "done"
    assert later.headline == "Finished 1 week early"
    assert "You finished on" in later.advice and "23 March" in later.advice


def test_no_finish_day_while_a_module_is_open(alice):
    a, b = make_modules(2)
    plan = make_plan(alice, [a, b])
    set_status(alice, a, Status.DONE)
    assert load_plan_state(plan).finished_on(alice.tz) is None
