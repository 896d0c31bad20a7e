"""Reviews at scale: the next card among 10,000 for one learner, and "due today" for 1,000.

1. One learner with 10,000 cards in every FSRS state (a long history: reviewed up to 300 days
   ago, stabilities from hours to a year), a third of them overdue, reviewed 12 today. Timed:
   `queue.next_card()` (the pick: one indexed query for the 500 longest overdue, ranked by
   retrievability) and `queue.today()` (the Review page's and dashboard's counts), each the
   median of many calls, beside the one-query template view's ORM query and render (the same
   floor as bench/dashboard.py) run in this process; query counts of each.
2. 1,000 learners with 100 cards each: `queue.today()` for every one of them, as the weekly
   run's "due today" (total time, time a learner, queries a learner — constant).

    .venv/bin/python bench/run.py review
    bin/with-postgres .venv/bin/python bench/run.py review
"""

from __future__ import annotations

import os
import random
from datetime import timedelta

from bench import _support

CARDS = int(os.environ.get("BENCH_REVIEW_CARDS", "10000"))
LEARNERS = int(os.environ.get("BENCH_REVIEW_LEARNERS", "1000"))
PER_LEARNER = 100
UNUSABLE = "!"  # Django's mark for an account no password opens
REPEATS = 200


def run() -> None:
    print(_support.describe_machine())
    with _support.fresh_database():
        from django.db import connection
        from django.utils import timezone

        from learners.review import queue

        now = timezone.now()
        module, learner = _one_learner(CARDS, now)
        pick = _timed(lambda: queue.next_card(learner, now))
        today = _timed(lambda: queue.today(learner, now))
        floor = _timed(lambda: _one_query(learner))
        counts = {
            name: _queries(connection, call)
            for name, call in (
                ("next card", lambda: queue.next_card(learner, now)),
                ("due today", lambda: queue.today(learner, now)),
            )
        }
        learners = _many_learners(module, LEARNERS, now)
        started = _support.timed(lambda: [queue.today(each, now) for each in learners])
        per = _queries(connection, lambda: [queue.today(each, now) for each in learners[:20]])
    print(f"{CARDS:,} cards for one learner; medians of {REPEATS} calls; {_support.load_average()}")
    print(f"  one-query floor (a query and a template)  {floor * 1000:7.2f} ms")
    print(
        f"  next card                                 {pick * 1000:7.2f} ms  "
        f"{pick / floor:5.2f}× the floor  {counts['next card']} queries"
    )
    print(
        f"  due today (counts)                        {today * 1000:7.2f} ms  "
        f"{today / floor:5.2f}× the floor  {counts['due today']} queries"
    )
    wall, cpu, _ = started
    print(
        f'"due today" for {LEARNERS:,} learners with {PER_LEARNER} cards each: {wall:.1f} s '
        f"({wall / LEARNERS * 1000:.2f} ms a learner, CPU {cpu / LEARNERS * 1000:.2f} ms), "
        f"{per / 20:g} queries a learner"
    )


def _timed(call) -> float:
    for _ in range(10):
        call()
    return _support.median([_support.timed(call)[0] for _ in range(REPEATS)])


def _queries(connection, call) -> int:
    seen = []
    with connection.execute_wrapper(lambda execute, sql, *a: seen.append(sql) or execute(sql, *a)):
        call()
    return len(seen)


def _one_query(learner):
    from django.template import engines

    from bench.dashboard import ONE_QUERY_TEMPLATE
    from learners.models import PlanItem

    items = list(PlanItem.objects.filter(plan__learner=learner).select_related("module"))
    return engines["django"].from_string(ONE_QUERY_TEMPLATE).render({"items": items})


def _cards(learner, module, count: int, now, rng):
    from learners.review.models import Card, Kind

    cards = []
    for i in range(count):
        reviewed = now - timedelta(days=rng.uniform(0, 300))
        stability = rng.lognormvariate(2.5, 1.2)  # days: hours to a year
        state = rng.choice([1, 2, 2, 2, 3])
        due = reviewed + timedelta(days=stability) if state == 2 else now - timedelta(hours=1)
        cards.append(
            Card(
                learner=learner,
                kind=Kind.QUESTION,
                module=module,
                question=f"Q{i}",
                question_html=f"<p>Q{i}</p>",
                answer="A",
                answer_html="<p>A</p>",
                state=state,
                step=None if state == 2 else 0,
                stability=stability,
                difficulty=rng.uniform(1, 10),
                due=due,
                last_review=reviewed,
                created_at=reviewed,
            )
        )
    return Card.objects.bulk_create(cards, batch_size=1000)


def _one_learner(count: int, now):
    from decimal import Decimal

    from curriculum.models import Module
    from learners.models import Plan, PlanItem, User
    from learners.review.models import Review

    rng = random.Random(2026)
    modules = Module.objects.bulk_create(
        Module(slug=f"m{i}", title=f"Module {i}", source=f"/b/{i}.md", content_hash="x")
        for i in range(40)
    )
    learner = User.objects.create_user("reviewer@example.com", "bench-password-123")
    plan = Plan.objects.create(
        learner=learner,
        goal="Remember",
        start_date=now.date(),
        target_end=now.date() + timedelta(weeks=12),
        weekly_hours=Decimal(10),
    )
    PlanItem.objects.bulk_create(
        PlanItem(plan=plan, module=m, position=i) for i, m in enumerate(modules)
    )
    cards = _cards(learner, modules[0], count, now, rng)
    Review.objects.bulk_create(
        Review(
            learner=learner,
            card=card,
            rating=3,
            reviewed_at=now - timedelta(minutes=i),
            state=2,
            due=card.due,
            duration_ms=15_000,
        )
        for i, card in enumerate(cards[:12])
    )
    # Answered today, they are due again tomorrow: the pick ranks the rest.
    from learners.review.models import Card

    Card.objects.filter(pk__in=[c.pk for c in cards[:12]]).update(due=now + timedelta(days=1))
    return modules[0], learner


def _many_learners(module, count: int, now):
    from learners.models import User

    rng = random.Random(7)
    learners = User.objects.bulk_create(
        User(email=f"learner{i}@example.com", password=UNUSABLE) for i in range(count)
    )
    for learner in learners:
        _cards(learner, module, PER_LEARNER, now, rng)
    return list(User.objects.filter(email__startswith="learner").order_by("pk"))
