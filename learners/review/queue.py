"""Today's reviews: which cards, in which order, how many, and the way back after a gap.

- A card is due when FSRS's due time has passed. Suspended cards, cards of a paused module and
  lessons whose failure no longer has a lesson never are.
- **The daily cap** (`User.daily_reviews`, 20 by default) counts *cards* started today: a card
  already answered today comes back for its learning steps without taking another place. Past
  the cap the rest wait; each day the places go first to the cards the learner is most likely to
  have forgotten (lowest FSRS retrievability), then to the longest overdue. A return after
  three weeks away meets twenty cards, not three hundred.
- **Gentle restart**: after a week or more without a review and with more overdue cards than one
  day's cap, the learner may spread the backlog over the next seven days (most forgotten first),
  so it comes back as a week of short sessions.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from learners.lib.weeks import local_date, local_midnight
from learners.models import User
from learners.review.models import Card, Kind, PausedModule, Review
from learners.review.schedule import retrievability
from learners.web.pagecache import touch

# How many of the longest-overdue cards are ranked by retrievability to pick the next one: the
# pick stays one indexed query and a little arithmetic however large the backlog grows.
CANDIDATES = 500
DEFAULT_SECONDS = 20  # a review's length until the learner has a history of their own
RESTART_DAYS = 7
ABSENCE = timedelta(days=7)


def reviewable(learner: User) -> QuerySet[Card]:
    """The learner's cards that may be asked at all."""
    paused = PausedModule.objects.filter(learner=learner, module=OuterRef("module"))
    return (
        Card.objects.filter(learner=learner, suspended=False)
        .exclude(Exists(paused))
        .exclude(kind=Kind.LESSON, failure__lesson="")
    )


@dataclass(frozen=True)
class Today:
    due_now: int  # cards that may be asked now, the cap applied
    due_today: int  # … and by the end of the learner's day
    started: int  # cards answered today
    backlog: int  # due cards the cap holds back for later days
    minutes: int  # about how long today's cards take
    restart: bool  # whether to offer the gentle restart
    next_at: datetime | None  # when the next card falls due, if none is due now
    # When these numbers next change by the clock alone (the next card falling due), if ever
    # today: a page that shows them may be kept until then (the dashboard's review section).
    changes_at: datetime | None = None

    @property
    def later_today(self) -> int:
        """Cards due again before the day ends (learning steps), not yet."""
        return self.due_today - self.due_now


def today(learner: User, now: datetime | None = None) -> Today:
    """Today's numbers in five queries: started today, due today, the next due time, the last
    review, the recent review times."""
    now = now or timezone.now()
    start, end = _day(learner, now)
    started_ids = _started_today(learner, start)
    started_count = len(started_ids)
    places = max(learner.daily_reviews - started_count, 0)
    touched = Q(pk__in=started_ids)
    counts = (
        reviewable(learner)
        .filter(due__lt=end)
        .aggregate(
            again_now=Count("id", filter=touched & Q(due__lte=now)),
            again_today=Count("id", filter=touched),
            fresh_now=Count("id", filter=~touched & Q(due__lte=now)),
            fresh_today=Count("id", filter=~touched),
            overdue=Count("id", filter=~touched & Q(due__lt=start)),
        )
    )
    due_now = counts["again_now"] + min(counts["fresh_now"], places)
    due_today = counts["again_today"] + min(counts["fresh_today"], places)
    fresh_today, overdue = counts["fresh_today"], counts["overdue"]
    # The same five queries whatever the state, so the pages' query counts stay exact.
    later = reviewable(learner).filter(due__gt=now).order_by("due").values_list("due")
    next_at = (later.first() or (None,))[0]
    away = _away(learner, now)
    seconds = seconds_per_review(learner)
    return Today(
        due_now=due_now,
        due_today=due_today,
        started=started_count,
        backlog=max(fresh_today - places, 0),
        minutes=math.ceil(due_today * seconds / 60) if due_today else 0,
        restart=overdue > learner.daily_reviews and away,
        next_at=None if due_now else next_at,
        changes_at=next_at,
    )


def next_card(learner: User, now: datetime | None = None) -> Card | None:
    """The card to ask now: one answered today and due again for its next step, else — while
    the cap leaves a place — the most forgotten of the longest-overdue cards."""
    now = now or timezone.now()
    start, _ = _day(learner, now)
    started_ids = _started_today(learner, start)
    due = reviewable(learner).filter(due__lte=now)
    shown = due.select_related("module", "checkpoint", "failure", "ledger_entry").defer(
        "module__body_html"
    )
    if started_ids:
        again = shown.filter(pk__in=started_ids).order_by("due", "id").first()
        if again is not None:
            return again
    if len(started_ids) >= learner.daily_reviews:
        return None
    # Ranked on FSRS's fields alone; only the chosen card is read whole.
    candidates = list(
        due.exclude(pk__in=started_ids)
        .order_by("due", "id")
        .only("id", "state", "step", "stability", "difficulty", "due", "last_review")[:CANDIDATES]
    )
    if not candidates:
        return None
    best = min(candidates, key=lambda card: (retrievability(card, now), card.due, card.id))
    return shown.get(pk=best.pk)


def _started_today(learner: User, start: datetime) -> set[int]:
    """The cards answered since the learner's midnight: at most a day's worth (one query)."""
    return set(
        Review.objects.filter(learner=learner, reviewed_at__gte=start)
        .values_list("card_id", flat=True)
        .distinct()
    )


def seconds_per_review(learner: User) -> float:
    """The median of the learner's last 50 timed reviews (one query)."""
    durations = list(
        Review.objects.filter(learner=learner, duration_ms__isnull=False)
        .order_by("-reviewed_at")
        .values_list("duration_ms", flat=True)[:50]
    )
    if len(durations) < 5:
        return DEFAULT_SECONDS
    return min(statistics.median(durations) / 1000, 120)


def gentle_restart(learner: User, now: datetime | None = None) -> int:
    """Spread every overdue card over the next seven days, most forgotten first: day one gets
    the first seventh, and so on. Returns how many cards moved."""
    now = now or timezone.now()
    start, _ = _day(learner, now)
    overdue = list(reviewable(learner).filter(due__lt=start))
    if not overdue:
        return 0
    overdue.sort(key=lambda card: (retrievability(card, now), card.due, card.id))
    per_day = math.ceil(len(overdue) / RESTART_DAYS)
    first_day = local_date(now, learner.tz)
    for index, card in enumerate(overdue):
        day = first_day + timedelta(days=index // per_day)
        # A moved card keeps its FSRS memory state; only the day it is asked changes.
        card.due = local_midnight(day, learner.tz)
    Card.objects.bulk_update(overdue, ["due"], batch_size=500)
    touch(learner.pk)  # a bulk update sends no signal
    return len(overdue)


def _day(learner: User, now: datetime) -> tuple[datetime, datetime]:
    today = local_date(now, learner.tz)
    return local_midnight(today, learner.tz), local_midnight(today + timedelta(days=1), learner.tz)


def _away(learner: User, now: datetime) -> bool:
    last = (
        Review.objects.filter(learner=learner)
        .order_by("-reviewed_at")
        .values_list("reviewed_at", flat=True)
    )
    latest = last.first()
    return latest is None or now - latest >= ABSENCE
