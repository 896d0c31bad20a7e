"""What the weekly email says: learners/weekly/report.py, on a learner with a real history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from curriculum.models import Checkpoint, Module
from learners.experiments.models import ModuleMetric, Run, RunMetric
from learners.lib.weeks import week_bounds
from learners.models import Status, StudySession
from learners.record.models import Failure
from learners.review.models import Card
from learners.study.progress import set_status, set_tick
from learners.weekly.models import Delivery, WeeklyEmail
from learners.weekly.report import REPORT_QUERIES, Highlight, build_report
from learners.weekly.sender import render_weekly
from tests.factories import make_learner, make_modules, make_plan

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
REPORT_WEEK = date(2026, 3, 2)  # Monday 2 to Sunday 8 March 2026
SEND_AT = datetime(2026, 3, 9, 8, tzinfo=UTC)  # Monday 9 March, 08:00 in London
TITLES = [
    "Linear algebra refresher",
    "Backpropagation by hand",
    "Attention from scratch",
    "A tiny transformer",
    "Tokenizers",
    "Fine-tuning",
]
# Hours studied each week, Mondays from 5 January (the plan's first week) to 2 March.
WEEKLY_HOURS = [4, 6, 8.5, 9, 8, 3, 8, 10, 12.5]


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def build_world():
    """Ada, nine weeks into a 16-week plan, as the golden email and these tests know her."""
    with time_machine.travel(at(date(2026, 1, 5), 9), tick=False):
        ada = make_learner("ada@example.com", display_name="Ada", time_zone="Europe/London")
        modules = make_modules(6)
        for module, title in zip(modules, TITLES, strict=True):
            Module.objects.filter(pk=module.pk).update(title=title, hours=Decimal(12))
        modules = list(Module.objects.filter(pk__in=[m.pk for m in modules]).order_by("slug"))
        Checkpoint.objects.filter(module=modules[2], key="c1").update(
            text="Implement scaled dot-product attention and test it against a reference",
            html="Implement scaled dot-product attention and test it against a reference",
        )
        plan = make_plan(
            ada,
            modules,
            goal="Build a chatbot",
            start_date=date(2026, 1, 5),
            target_end=date(2026, 4, 26),
            weekly_hours=Decimal(8),
        )
    for week, hours in enumerate(WEEKLY_HOURS):
        monday = date(2026, 1, 5) + timedelta(weeks=week)
        StudySession.objects.create(
            learner=ada, module=modules[0], date=monday + timedelta(days=1), minutes=int(hours * 40)
        )
        StudySession.objects.create(
            learner=ada, module=modules[0], date=monday + timedelta(days=5), minutes=int(hours * 20)
        )

    def tick(module, key, day, hour=20):
        set_tick(ada, module.checkpoints.get(key=key), True, now=at(day, hour))

    for key, day in (("c0", 12), ("c1", 19), ("c2", 26)):
        tick(modules[0], key, date(2026, 1, day))
    set_status(ada, modules[0], Status.DONE, now=at(date(2026, 1, 28)))
    tick(modules[1], "c0", date(2026, 2, 10))
    tick(modules[1], "c1", date(2026, 2, 24))
    # The report week: one checkpoint an hour before it starts, two in it, one just after.
    tick(modules[1], "c2", date(2026, 3, 1), hour=23)
    tick(modules[2], "c0", date(2026, 3, 3))
    set_status(ada, modules[1], Status.DONE, now=at(date(2026, 3, 4)))
    tick(modules[2], "c2", date(2026, 3, 8), hour=23)
    tick(modules[3], "c0", date(2026, 3, 9), hour=0)  # Monday after: next week's

    def failure(day, title, module, lesson=""):
        with time_machine.travel(at(day, 18), tick=False):
            return Failure.objects.create(
                learner=ada, module=module, title=title, lesson=lesson, happened_on=day, plan=plan
            )

    failure(
        date(2026, 2, 3),
        "Shape mismatch in attention",
        modules[2],
        "Print tensor shapes at every layer boundary the first time through.",
    )
    failure(
        date(2026, 3, 3),
        "Loss went NaN after 200 steps",
        modules[1],
        "Clip gradients before blaming the data.",
    )
    failure(date(2026, 3, 6), "Tokenizer drops emoji", modules[4])

    ModuleMetric.objects.create(learner=ada, module=modules[1], name="val_loss")
    for day, value in (
        (date(2026, 2, 20), 2.31),
        (date(2026, 3, 3), 2.05),
        (date(2026, 3, 5), 1.98),
    ):
        run = Run.objects.create(
            learner=ada, module=modules[1], name=f"run {day}", started_at=at(day, 15)
        )
        RunMetric.objects.create(run=run, name="val_loss", value=value)
        RunMetric.objects.create(run=run, name="train_loss", value=value - 0.5)
    ada.refresh_from_db()
    return ada, modules, plan


@pytest.fixture
def world(db):
    return build_world()


def test_it_reports_the_week_that_ended_on_the_learners_calendar(world):
    ada, modules, _ = world
    report = build_report(ada, REPORT_WEEK, SEND_AT)
    assert report.week_text == "2 – 8 March"
    assert report.hours == Decimal("12.5")
    assert report.previous_hours == Decimal(10)
    assert report.against_last_week == "2.5 h more than last week (10 h)"
    assert report.percent_of_target == 156
    # 1 March 23:00 is the week before; 8 March 23:00 is in it; 9 March 00:00 is the next.
    assert report.ticks == 2
    assert report.finished == [modules[1]]
    assert [f.title for f in report.failures] == [
        "Loss went NaN after 200 steps",
        "Tokenizer drops emoji",
    ]
    assert [f.title for f in report.lessons_learned] == ["Loss went NaN after 200 steps"]
    assert report.runs == 2


def test_the_chart_is_the_eight_weeks_ending_with_the_report_week(world):
    ada, _, _ = world
    bars = build_report(ada, REPORT_WEEK, SEND_AT).bars
    assert [bar.monday for bar in bars] == [
        date(2026, 1, 12) + timedelta(weeks=i) for i in range(8)
    ]
    assert [float(bar.hours) for bar in bars] == WEEKLY_HOURS[1:]
    assert [bar.on_target for bar in bars] == [False, True, True, True, False, True, True, True]
    assert bars[-1].is_report_week and bars[-1].height == 80  # the tallest week
    assert bars[0].height == round(80 * 6 / 12.5)


def test_the_streak_counts_weeks_on_target_back_from_this_one(world):
    ada, _, _ = world
    report = build_report(ada, REPORT_WEEK, SEND_AT)
    assert (report.streak, report.streak_text) == (3, "3 weeks in a row on target.")
    # The week before the 3-hour week ended a 4-week streak (19 January to 9 February).
    earlier = build_report(ada, date(2026, 2, 9), datetime(2026, 2, 16, 8, tzinfo=UTC))
    assert earlier.streak == 0
    assert earlier.previous_streak == 3
    assert "3-week streak on target paused" in earlier.streak_text


def test_the_best_change_is_on_the_modules_primary_metric(world):
    ada, _, _ = world
    highlight = build_report(ada, REPORT_WEEK, SEND_AT).highlight
    assert (highlight.metric, highlight.best, highlight.previous) == ("val_loss", 1.98, 2.31)
    assert highlight.sentence == (
        "val_loss on Backpropagation by hand: 2.31 → 1.98, a new best, 14% better."
    )


def test_large_metric_values_read_as_on_the_compare_page():
    # Tokens per second, say: the same "123,457" the compare page shows, never "1.235e+05".
    highlight = Highlight("LSTM", "tokens_per_s", 123_456.7, 98_000.0, lower_is_better=False)
    assert highlight.sentence == ("tokens_per_s on LSTM: 98,000 → 123,457, a new best, 26% better.")


def test_a_metric_where_higher_is_better_and_no_new_best(world):
    ada, _, _ = world
    ModuleMetric.objects.filter(learner=ada).update(lower_is_better=False)
    highlight = build_report(ada, REPORT_WEEK, SEND_AT).highlight
    assert (highlight.best, highlight.previous, highlight.is_new_best) == (2.05, 2.31, False)
    assert highlight.sentence == (
        "val_loss on Backpropagation by hand: 2.05 this week; your best is still 2.31 "
        "(higher is better)."
    )


def test_the_pace_says_how_far_behind_and_what_gets_you_back(world):
    ada, _, _ = world
    report = build_report(ada, REPORT_WEEK, SEND_AT)
    assert report.forecast.state == "behind"
    assert (
        report.subject
        == f"12.5 h this week — {report.forecast.headline[0].lower()}{report.forecast.headline[1:]}"
    )
    assert report.forecast.advice == "2 more hours a week gets you back on track for 26 April."


def test_whats_next_is_the_next_module_and_its_first_open_checkpoint(world):
    ada, modules, _ = world
    report = build_report(ada, REPORT_WEEK, SEND_AT)
    assert report.next_up.module == modules[2]
    assert report.next_checkpoint.key == "c1"
    assert report.links["next_module"].endswith(f"/modules/{modules[2].slug}/")


def test_the_reminder_is_the_lesson_its_review_card_brings_back(world):
    """A lesson comes back when FSRS says its card is due (learners/review/), not at fixed
    marks: of the lesson cards due by the end of the coming week, the most forgotten, then the
    longest overdue; and not the same one twice within eight weeks."""
    ada, modules, plan = world
    report = build_report(ada, REPORT_WEEK, SEND_AT)
    assert report.reminder.title == "Shape mismatch in attention"  # its card fell due
    assert report.reminder_age == "4 weeks ago"
    with time_machine.travel(at(date(2026, 1, 20)), tick=False):
        old = Failure.objects.create(
            learner=ada,
            module=modules[0],
            title="Old",
            lesson="Old lesson.",
            happened_on=date(2026, 1, 20),
            plan=plan,
        )
    # Both due and never reviewed: the one overdue longest comes first.
    assert build_report(ada, REPORT_WEEK, SEND_AT).reminder == old
    # Reviewed well, its card is due in three weeks: the other lesson comes back instead.
    Card.objects.filter(failure=old).update(due=SEND_AT + timedelta(weeks=3))
    assert build_report(ada, REPORT_WEEK, SEND_AT).reminder.title == "Shape mismatch in attention"
    # Brought back this week, it waits eight weeks before it can be again.
    Card.objects.filter(failure=old).update(due=SEND_AT - timedelta(days=1))
    WeeklyEmail.objects.create(
        learner=ada, week_start=REPORT_WEEK, status=Delivery.SENT, reminder=old
    )
    next_week = build_report(ada, REPORT_WEEK + timedelta(weeks=1), SEND_AT + timedelta(weeks=1))
    assert next_week.reminder.title == "Shape mismatch in attention"


def test_the_email_says_how_many_reviews_were_remembered_and_what_is_fading(world):
    from learners.review import schedule

    ada, _, _ = world
    cards = list(Card.objects.filter(learner=ada).select_related("module"))
    first, _ = week_bounds(REPORT_WEEK, ada.tz)
    for card, rating in zip(cards[:4], [3, 4, 1, 3], strict=True):
        schedule.rate(card, rating, first + timedelta(days=2))
    report = build_report(ada, REPORT_WEEK, SEND_AT)
    assert (report.reviews.reviews, report.reviews.remembered_percent) == (4, 75)
    text = render_weekly(report).text
    assert "4 reviews, 75% remembered." in text
    assert f"You are forgetting {report.reviews.forgetting.title} fastest" in text


def test_no_reminder_is_younger_than_two_weeks(db):
    ada = make_learner("ada@example.com")
    modules = make_modules(1)
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=UTC), tick=False):
        plan = make_plan(ada, modules)
    # Each logged on the day it happened (its review card falls due then).
    with time_machine.travel(at(date(2026, 2, 23)), tick=False):
        Failure.objects.create(
            learner=ada,
            module=modules[0],
            title="Recent",
            lesson="L",
            happened_on=date(2026, 2, 23),
            plan=plan,
        )
    assert build_report(ada, REPORT_WEEK, SEND_AT).reminder is None
    with time_machine.travel(at(date(2026, 2, 22)), tick=False):
        Failure.objects.create(
            learner=ada,
            module=modules[0],
            title="Older",
            lesson="L",
            happened_on=date(2026, 2, 22),
            plan=plan,
        )
    assert build_report(ada, REPORT_WEEK, SEND_AT).reminder.title == "Older"


def test_a_week_with_no_activity_is_a_short_kind_nudge(world):
    ada, _, _ = world
    quiet_week = date(2026, 3, 16)
    report = build_report(ada, quiet_week, datetime(2026, 3, 23, 8, tzinfo=UTC))
    assert report.quiet
    assert report.subject == "A quiet week — your next step is waiting when you are"
    text = render_weekly(report).text
    assert "nothing is lost" in text
    assert "Attention from scratch" in text
    for section in ("HOURS", "PROGRESS", "PACE", "FAILURES"):
        assert section not in text
    assert len(text.splitlines()) < 20


def test_nothing_is_built_for_a_learner_without_a_plan(alice):
    assert build_report(alice, REPORT_WEEK, SEND_AT) is None


@pytest.mark.parametrize("history", [10, 1000])
def test_the_query_count_does_not_grow_with_history(db, django_assert_num_queries, history):
    ada = make_learner("ada@example.com")
    modules = make_modules(20, checkpoints=5)
    with time_machine.travel(datetime(2025, 1, 6, 9, tzinfo=UTC), tick=False):
        plan = make_plan(ada, modules, target_end=date(2026, 12, 27))
    ModuleMetric.objects.create(learner=ada, module=modules[0], name="loss")
    days = [date(2025, 1, 6) + timedelta(days=i % 420) for i in range(history)]
    StudySession.objects.bulk_create(
        StudySession(learner=ada, date=day, minutes=45) for day in days
    )
    Failure.objects.bulk_create(
        Failure(
            learner=ada,
            module=modules[0],
            title="f",
            lesson="l",
            lesson_html="<p>l</p>",
            happened_on=day,
            plan=plan,
        )
        for day in days
    )
    runs = Run.objects.bulk_create(
        Run(learner=ada, module=modules[0], name="r", started_at=at(day)) for day in days
    )
    RunMetric.objects.bulk_create(RunMetric(run=run, name="loss", value=1.0) for run in runs)
    # plan; plan state (items+modules, checkpoints, progress, ticks, prerequisites); minutes by
    # day; hours since the start; pauses; ticks this week; failures and lessons this week; the
    # reminder; runs this week; the best change on a primary metric; the week's reviews and
    # the reviewed cards' memory; the papers in progress with their counts (1) and the ledger
    # entries checked; the mentors' comments and answers of the week
    with django_assert_num_queries(REPORT_QUERIES):
        report = build_report(ada, date(2026, 2, 23), datetime(2026, 3, 2, 8, tzinfo=UTC))
    assert REPORT_QUERIES == 19
    in_week = sum(date(2026, 2, 23) <= day <= date(2026, 3, 1) for day in days)
    assert (report.runs, len(report.failures)) == (in_week, in_week)
