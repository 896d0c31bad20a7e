"""The mentor digest for 1,000 mentors with 3 learners each: built and rendered, every one.

The data (bulk_create, a few seconds): MENTORS mentors (spread over four time zones) and 3
learners each, every learner with an active plan of 6 modules shared with their mentor, study
sessions through the report week (2–8 March 2026), a shared and a PRIVATE unshared failure, one
open review request and one message of theirs in its thread that week.

Measured, in this process: building each mentor's digest (`learners.weekly.digest.build_digest`)
and rendering it to a MIME message (`digest_message(...).message().as_bytes()`), mentor after
mentor, as the sender's task does it — total wall and CPU time, digests a second, and the
queries each mentor's digest cost (a counting execute_wrapper, no SQL kept), which must be the
same for every mentor (DIGEST_QUERIES). Also checked: no digest contains "PRIVATE".

    .venv/bin/python bench/run.py mentor_digest
    bin/with-postgres .venv/bin/python bench/run.py mentor_digest
    BENCH_DIGEST_MENTORS=100 .venv/bin/python bench/run.py mentor_digest     # a quick look
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench import _support

MENTORS = int(os.environ.get("BENCH_DIGEST_MENTORS", "1000"))
PER_MENTOR = 3
NOW = datetime(2026, 3, 9, 12, tzinfo=UTC)  # after every zone's Monday 08:00
REPORT_WEEK = date(2026, 3, 2)
ZONES = ["America/New_York", "UTC", "Europe/Berlin", "Asia/Tokyo"]
MODULES = 6


def run() -> None:
    with _support.fresh_database():
        started = time.perf_counter()
        rows = _world()
        print(
            f"{MENTORS:,} mentors × {PER_MENTOR} learners generated in "
            f"{time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{count:,} {name}" for name, count in rows.items())
        )
        print(f"before: {_support.load_average()}")
        wall, cpu, (queries, sizes, leaks) = _support.timed(_build_and_render_all)
        print(f"after: {_support.load_average()}")

    from learners.weekly.digest import DIGEST_QUERIES

    print(f"mentors                   {MENTORS:>10,}   ({MENTORS * PER_MENTOR:,} learners)")
    print(f"built and rendered in     {wall:>10.1f} s   ({cpu:.1f} s CPU)")
    print(f"per digest                {wall / MENTORS * 1000:>10.1f} ms")
    print(f"digests a second          {MENTORS / wall:>10.1f}")
    print(
        f"queries per mentor        {', '.join(f'{q} ×{n:,}' for q, n in sorted(queries.items()))}"
        f"   (DIGEST_QUERIES = {DIGEST_QUERIES}; constant: {set(queries) == {DIGEST_QUERIES}})"
    )
    print(f"message size              {sum(sizes) / len(sizes) / 1024:>10.1f} KiB on average")
    print(f"digests naming PRIVATE    {leaks:>10}")


def _build_and_render_all() -> tuple[Counter, list[int], int]:
    from django.db import connection

    from learners.models import User
    from learners.weekly.digest import build_digest, digest_message

    class QueryCounter:
        count = 0

        def __call__(self, execute, sql, params, many, context):
            self.count += 1
            return execute(sql, params, many, context)

    mentors = list(User.objects.filter(email__startswith="mentor").order_by("pk"))
    assert len(mentors) == MENTORS, len(mentors)
    queries: Counter = Counter()
    sizes, leaks = [], 0
    for mentor in mentors:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            digest = build_digest(mentor, REPORT_WEEK, NOW)
        queries[counter.count] += 1
        assert digest is not None and len(digest.learners) == PER_MENTOR
        data = digest_message(digest).message().as_bytes()
        sizes.append(len(data))
        leaks += b"PRIVATE" in data
    return queries, sizes, leaks


def _world() -> Counter:
    from learners.mentors.models import Comment, Kind, Mentorship, ReviewRequest, Status
    from learners.models import Plan, PlanItem, StudySession, User
    from learners.record.models import Failure
    from tests.factories import make_modules

    modules = make_modules(MODULES, prefix="digest", checkpoints=3)
    counts: Counter = Counter()
    start = REPORT_WEEK - timedelta(weeks=3)
    accepted = datetime(2026, 2, 16, 9, tzinfo=UTC)
    for first in range(0, MENTORS, 250):
        chunk = range(first, min(first + 250, MENTORS))
        mentors = User.objects.bulk_create(
            User(
                email=f"mentor{i:05d}@bench.example.com",
                display_name=f"Mentor {i}",
                time_zone=ZONES[i % len(ZONES)],
            )
            for i in chunk
        )
        learners = User.objects.bulk_create(
            User(
                email=f"learner{i:05d}-{j}@bench.example.com",
                display_name=f"Learner {i}-{j}",
                time_zone=ZONES[(i + j) % len(ZONES)],
            )
            for i in chunk
            for j in range(PER_MENTOR)
        )
        plans = Plan.objects.bulk_create(
            Plan(
                learner=learner,
                goal="Build a chatbot",
                start_date=start,
                target_end=start + timedelta(weeks=12),
                weekly_hours=Decimal(8),
            )
            for learner in learners
        )
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, module=module, position=k)
            for plan in plans
            for k, module in enumerate(modules)
        )
        mentorships = Mentorship.objects.bulk_create(
            Mentorship(
                learner=learner,
                mentor=mentors[n // PER_MENTOR],
                email=mentors[n // PER_MENTOR].email,
                status=Status.ACTIVE,
                accepted_at=accepted,
                invited_at=accepted,
                sent_at=accepted,
                all_plans=True,
            )
            for n, learner in enumerate(learners)
        )
        StudySession.objects.bulk_create(
            StudySession(
                learner=learner,
                date=start + timedelta(days=d),
                minutes=30 + 15 * ((n + d) % 5),
            )
            for n, learner in enumerate(learners)
            for d in range(0, 28, 2)
        )
        shared = Failure.objects.bulk_create(
            Failure(
                learner=learner,
                module=modules[0],
                title=f"Loss went NaN ({n})",
                happened_on=REPORT_WEEK + timedelta(days=1),
                shared_with_mentors=True,
            )
            for n, learner in enumerate(learners)
        )
        Failure.objects.bulk_create(
            Failure(
                learner=learner,
                module=modules[0],
                title="PRIVATE: not for anyone",
                lesson="PRIVATE lesson",
                happened_on=REPORT_WEEK + timedelta(days=2),
            )
            for learner in learners
        )
        asked = datetime(2026, 3, 4, 15, tzinfo=UTC)
        requests = ReviewRequest.objects.bulk_create(
            ReviewRequest(
                mentorship=mentorship,
                kind=Kind.FAILURE,
                failure=failure,
                question="Is clipping the gradients the right fix here?",
                question_html="<p>Is clipping the gradients the right fix here?</p>",
                created_at=asked,
            )
            for mentorship, failure in zip(mentorships, shared, strict=True)
        )
        Comment.objects.bulk_create(
            Comment(
                mentorship=mentorship,
                author=mentorship.learner,
                by_mentor=False,
                author_name=mentorship.learner.display_name,
                request=review,
                body="I also tried a lower learning rate; it only delayed the NaN.",
                body_html="<p>I also tried a lower learning rate; it only delayed the NaN.</p>",
                created_at=asked + timedelta(hours=20),
            )
            for mentorship, review in zip(mentorships, requests, strict=True)
        )
        counts.update(
            {
                "users": len(mentors) + len(learners),
                "mentorships": len(mentorships),
                "sessions": len(learners) * 14,
                "failures": 2 * len(learners),
                "review requests": len(requests),
                "thread messages": len(requests),
            }
        )
    return counts
