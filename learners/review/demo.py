"""This area's part of the demo learner's history (called by learners/demo.py): the cards that
the ticks and lessons made, reviewed on their FSRS schedule up to today — mostly remembered,
now and then forgotten — so the Review page has cards due today and a lesson comes back in the
coming week's email."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from learners.review import schedule
from learners.review.models import Card, Kind, Rating

# (rating, weight): a learner who remembers most of what they reach.
RATINGS = [(Rating.GOOD, 14), (Rating.EASY, 3), (Rating.HARD, 2), (Rating.AGAIN, 2)]


def seed(user, rng, now: datetime | None = None) -> None:
    now = now or timezone.now()
    choices = [rating for rating, weight in RATINGS for _ in range(weight)]
    cards = list(Card.objects.filter(learner=user).order_by("due", "id"))
    for card in cards:
        # Answered on the evening it falls due (or the next), while that is before today.
        at = card.due + timedelta(hours=rng.randint(1, 30))
        while at < now - timedelta(hours=12):
            schedule.rate(card, rng.choice(choices), at, duration_ms=rng.randint(8, 40) * 1000)
            card.refresh_from_db()
            at = card.due + timedelta(hours=rng.randint(1, 30))
    lessons = [card for card in cards if card.kind == Kind.LESSON]
    if lessons and not any(card.due < now + timedelta(days=7) for card in lessons):
        # One lesson falls due this week, so the email has one to bring back.
        Card.objects.filter(pk=lessons[0].pk).update(due=now + timedelta(days=2))
