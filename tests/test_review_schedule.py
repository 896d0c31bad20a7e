"""FSRS scheduling as the `fsrs` package computes it, the daily cap, and the gentle restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import pytest
import time_machine

from learners.review import queue, schedule
from learners.review.models import Card, Kind, PausedModule, Rating, Review
from learners.study.progress import set_status, set_tick
from tests.factories import make_modules

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


@pytest.fixture
def module():
    return make_modules(1, checkpoints=3)[0]


def questions(learner, module, count: int, **fields) -> list[Card]:
    return Card.objects.bulk_create(
        Card(
            learner=learner,
            kind=Kind.QUESTION,
            module=module,
            question=f"Q{i}",
            answer=f"A{i}",
            **{k: (v(i) if callable(v) else v) for k, v in fields.items()},
        )
        for i in range(count)
    )


def test_a_sequence_of_ratings_gets_the_packages_own_intervals(alice, module):
    card = questions(alice, module, 1, due=START)[0]
    reference = fsrs.Card(card_id=1, due=START)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    now = START
    sequence = [Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY]
    seen = []
    for rating in sequence:
        review = schedule.rate(card, rating, now)
        reference, _ = scheduler.review_card(reference, fsrs.Rating(rating), review_datetime=now)
        card.refresh_from_db()
        assert card.due == reference.due
        assert card.state == reference.state.value
        assert card.stability == pytest.approx(reference.stability)
        assert card.difficulty == pytest.approx(reference.difficulty)
        assert (review.due, review.state, review.rating) == (card.due, card.state, rating)
        seen.append(card.due - now)
        now = card.due  # answer each time it falls due
    # A learning step of minutes, days once learned, minutes again after a lapse, then days.
    assert seen == [
        timedelta(minutes=10),
        timedelta(days=2),
        timedelta(minutes=10),
        timedelta(minutes=15),
        timedelta(days=1),
        timedelta(days=3),
    ]
    assert Review.objects.filter(card=card).count() == len(sequence)
    later = now + timedelta(days=30)
    assert schedule.retrievability(card, later) == pytest.approx(
        scheduler.get_card_retrievability(reference, later)
    )


def test_ticking_a_checkpoint_and_finishing_a_module_make_cards_once(alice, module):
    first, *others = list(module.checkpoints.order_by("position"))
    set_tick(alice, first, True)
    assert Card.objects.filter(learner=alice).count() == 1
    set_status(alice, module, "done")
    set_tick(alice, first, False)
    set_tick(alice, first, True)
    cards = Card.objects.filter(learner=alice, kind=Kind.CHECKPOINT)
    assert sorted(c.checkpoint_id for c in cards) == sorted(c.id for c in [first, *others])


@time_machine.travel(START, tick=False)
def test_the_daily_cap_asks_at_most_twenty_cards_and_keeps_the_rest_for_the_next_days(
    alice, module
):
    questions(alice, module, 300, due=lambda i: START - timedelta(days=1 + i % 40))
    today = queue.today(alice)
    assert (today.due_now, today.backlog, today.started) == (20, 280, 0)
    answered = set()
    while (card := queue.next_card(alice)) is not None:
        schedule.rate(card, Rating.GOOD, START)
        answered.add(card.pk)
    assert len(answered) == 20
    assert queue.today(alice).due_now == 0
    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert queue.today(alice).due_now == 20  # tomorrow: twenty more, not 280


@time_machine.travel(START, tick=False)
def test_a_card_answered_again_comes_back_without_taking_another_place(alice, module):
    alice.daily_reviews = 2
    alice.save(update_fields=["daily_reviews"])
    questions(alice, module, 5, due=START - timedelta(days=1))
    first = queue.next_card(alice)
    schedule.rate(first, Rating.AGAIN, START)  # back in a minute
    second = queue.next_card(alice)
    schedule.rate(second, Rating.GOOD, START)
    assert queue.next_card(alice) is None  # two cards started: the cap is reached
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        assert queue.next_card(alice).pk == first.pk  # its learning step is due: asked again


@time_machine.travel(START, tick=False)
def test_the_most_forgotten_card_comes_first(alice, module):
    # Same stability, reviewed 3, 30 and 10 days ago: the 30-day one is likeliest forgotten.
    reviewed = [3, 30, 10]
    cards = questions(
        alice,
        module,
        3,
        state=2,
        stability=2.0,
        difficulty=5.0,
        last_review=lambda i: START - timedelta(days=reviewed[i]),
        due=lambda i: START - timedelta(days=1),
    )
    assert queue.next_card(alice).pk == cards[1].pk


@time_machine.travel(START, tick=False)
def test_suspended_cards_paused_modules_and_emptied_lessons_are_never_asked(alice, module):
    from learners.record.models import Failure

    suspended, kept = questions(alice, module, 2, due=START - timedelta(hours=1))
    Card.objects.filter(pk=suspended.pk).update(suspended=True)
    other = make_modules(1, prefix="other")[0]
    questions(alice, other, 1, due=START - timedelta(hours=1))
    PausedModule.objects.create(learner=alice, module=other)
    failure = Failure.objects.create(
        learner=alice, module=module, title="NaN", lesson="Clip", happened_on=START.date()
    )
    lesson = Card.objects.get(learner=alice, failure=failure)
    Card.objects.filter(pk=lesson.pk).update(due=START - timedelta(hours=1))
    failure.lesson = ""
    failure.save()
    assert queue.today(alice).due_now == 1
    assert queue.next_card(alice).pk == kept.pk


@time_machine.travel(START, tick=False)
def test_after_a_long_absence_the_backlog_can_be_spread_over_a_week(alice, module):
    questions(alice, module, 140, due=lambda i: START - timedelta(days=10 + i % 20))
    assert queue.today(alice).restart  # 140 overdue, a cap of 20, no review for a week
    assert queue.gentle_restart(alice) == 140
    days = sorted(
        {(c.due - START).days for c in Card.objects.filter(learner=alice)}  # from 09:00 UTC
    )
    assert len(days) == 7
    per_day = [
        Card.objects.filter(
            learner=alice, due__gte=START + timedelta(days=d), due__lt=START + timedelta(days=d + 1)
        ).count()
        for d in range(-1, 6)
    ]
    assert per_day == [20] * 7
    assert queue.today(alice).due_now == 20
    assert not queue.today(alice).restart  # nothing overdue any more


def test_the_minutes_follow_the_learners_own_pace(alice, module):
    cards = questions(alice, module, 10, due=START)
    for card in cards[:6]:
        schedule.rate(card, Rating.GOOD, START, duration_ms=45_000)
    assert queue.seconds_per_review(alice) == 45
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        today = queue.today(alice)
    # four fresh cards due and six learning steps later today, 45 s each
    assert today.minutes == -(-today.due_today * 45 // 60)
