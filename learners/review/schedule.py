"""FSRS, as the `fsrs` package computes it: a card's next state from a rating, and how likely
the learner is to recall it now.

One scheduler for everyone, with the package's default parameters and desired retention 0.9,
and without fuzz: the daily cap (queue.py) spreads the load instead, and a schedule that can be
recomputed from the review log is one a learner can be shown and a test can pin.
"""

from __future__ import annotations

from datetime import UTC, datetime

import fsrs
from django.db import transaction

from learners.review.models import Card, Rating, Review

SCHEDULER = fsrs.Scheduler(enable_fuzzing=False)


def as_fsrs(card: Card) -> fsrs.Card:
    return fsrs.Card(
        card_id=card.pk or 0,
        state=fsrs.State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due.astimezone(UTC),
        last_review=card.last_review.astimezone(UTC) if card.last_review else None,
    )


def _take(card: Card, state: fsrs.Card) -> None:
    card.state = state.state.value
    card.step = state.step
    card.stability = state.stability
    card.difficulty = state.difficulty
    card.due = state.due
    card.last_review = state.last_review


def rate(card: Card, rating: int, now: datetime, duration_ms: int | None = None) -> Review:
    """Review `card` with `rating` at `now`: the card moves on, the review is kept."""
    rating = Rating(rating)
    with transaction.atomic():
        # Two tabs rating one card at once: the second reads the first's result.
        card = Card.objects.select_for_update().get(pk=card.pk)
        state, _log = SCHEDULER.review_card(
            as_fsrs(card), fsrs.Rating(rating.value), review_datetime=now.astimezone(UTC)
        )
        _take(card, state)
        card.save(update_fields=["state", "step", "stability", "difficulty", "due", "last_review"])
        return Review.objects.create(
            learner_id=card.learner_id,
            card=card,
            rating=rating,
            reviewed_at=now,
            duration_ms=duration_ms,
            state=card.state,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
        )


def retrievability(card: Card, now: datetime) -> float:
    """FSRS's probability that the learner recalls `card` at `now` (0 before any review)."""
    return SCHEDULER.get_card_retrievability(as_fsrs(card), now.astimezone(UTC))
