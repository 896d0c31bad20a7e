"""The dashboard for a learner with a year of history, beside a trivial Django view.

The learner: a plan of 40 modules (6 checkpoints each, half of them done or in progress) and a
year of history — 1,000 study sessions, 300 notes, 100 failures with lessons, 200 experiment
runs, ticks, status changes and confidence ratings. Both views go through the whole Django
stack in this process (Django's test client: middleware, session, auth, CSP, templates), so
"server time" here is the time Django spends on a request, without a network or a WSGI server.

Measured: the median over many requests of GET / as that learner, beside GET /health/ (a view
that returns "ok" and touches no database) in the same run, as a ratio; and the query count of
one dashboard request.
"""

from __future__ import annotations

import itertools
import os
import random
from datetime import timedelta
from decimal import Decimal

from bench import _support

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WARMUP = 20


def run() -> None:
    print(_support.describe_machine())
    with _support.fresh_database():
        learner = _learner_with_a_year_of_history()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client(HTTP_HOST="127.0.0.1")  # an allowed host in development settings
        client.force_login(learner)
        assert client.get("/").status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        dashboard = _median_request(client, "/")
        trivial = _median_request(client, "/health/")
        module = _median_request(client, f"/modules/{learner._first_module}/")
        with CaptureQueriesContext(connection) as module_queries:
            client.get(f"/modules/{learner._first_module}/")
    print(
        f"{REQUESTS} requests each, median after {WARMUP} warm-up requests; {_support.load_average()}"
    )
    print(f"  trivial view /health/:   {trivial * 1000:7.2f} ms")
    print(
        f"  dashboard /:             {dashboard * 1000:7.2f} ms   {dashboard / trivial:6.1f}× trivial   {len(queries)} queries"
    )
    print(
        f"  module page:             {module * 1000:7.2f} ms   {module / trivial:6.1f}× trivial   {len(module_queries)} queries"
    )


def _median_request(client, path: str) -> float:
    for _ in range(WARMUP):
        client.get(path)
    times = []
    for _ in range(REQUESTS):
        wall, _cpu, response = _support.timed(lambda: client.get(path))
        assert response.status_code == 200, (path, response.status_code)
        times.append(wall)
    return _support.median(times)


def _learner_with_a_year_of_history():
    from curriculum.models import Checkpoint, Module
    from learners.experiments.models import ModuleMetric, Run, RunMetric
    from learners.models import (
        CheckpointTick,
        ConfidenceRating,
        ModuleProgress,
        Note,
        Plan,
        PlanItem,
        Status,
        StatusChange,
        StudySession,
        User,
    )
    from learners.record.models import Failure

    rng = random.Random(2026)
    modules = Module.objects.bulk_create(
        Module(
            slug=f"module-{i:02d}",
            title=f"Module {i:02d}: a realistic title about language models",
            summary="A summary of a sentence or two, as the catalogue shows it.",
            kind="build",
            hours=Decimal(rng.choice([4, 6, 8, 10, 12])),
            body_html="<p>Body</p>" * 50,
            source=f"bench/module-{i}.md",
            content_hash="x",
        )
        for i in range(40)
    )
    Module.prerequisites.through.objects.bulk_create(
        Module.prerequisites.through(from_module_id=b.id, to_module_id=a.id)
        for a, b in itertools.pairwise(modules)
    )
    checkpoints = Checkpoint.objects.bulk_create(
        Checkpoint(
            module=m,
            key=f"c{j}",
            text=f"Checkpoint {j} with **markdown**",
            html=f"Checkpoint {j}",
            position=j,
        )
        for m in modules
        for j in range(6)
    )
    learner = User.objects.create_user("bench@example.com", "bench-password-123")
    today = learner.local_today()
    start = today - timedelta(days=365)
    plan = Plan.objects.create(
        learner=learner,
        goal="A year of NLP",
        start_date=start,
        target_end=today + timedelta(weeks=8),
        weekly_hours=Decimal(10),
    )
    PlanItem.objects.bulk_create(
        PlanItem(plan=plan, module=m, position=i) for i, m in enumerate(modules)
    )
    now = learner.date_joined
    statuses = [Status.DONE] * 18 + [Status.IN_PROGRESS] * 4 + [Status.NOT_STARTED] * 18
    ModuleProgress.objects.bulk_create(
        ModuleProgress(learner=learner, module=m, status=s, confidence=rng.randint(1, 5))
        for m, s in zip(modules, statuses, strict=True)
    )
    done_ids = {m.id for m, s in zip(modules, statuses, strict=True) if s != Status.NOT_STARTED}
    CheckpointTick.objects.bulk_create(
        CheckpointTick(learner=learner, checkpoint=c, ticked_at=now)
        for c in checkpoints
        if c.module_id in done_ids and rng.random() < 0.8
    )
    StatusChange.objects.bulk_create(
        StatusChange(
            learner=learner,
            module=m,
            old_status=Status.NOT_STARTED,
            new_status=Status.IN_PROGRESS,
            at=now,
        )
        for m in modules[:22]
    )
    ConfidenceRating.objects.bulk_create(
        ConfidenceRating(
            learner=learner, module=rng.choice(modules[:22]), value=rng.randint(1, 5), at=now
        )
        for _ in range(150)
    )
    StudySession.objects.bulk_create(
        StudySession(
            learner=learner,
            module=rng.choice(modules[:22]),
            date=start + timedelta(days=rng.randrange(366)),
            minutes=rng.randrange(20, 180),
            description="What I did in this session",
        )
        for _ in range(1000)
    )
    Note.objects.bulk_create(
        Note(
            learner=learner,
            module=rng.choice(modules[:22]),
            body="A note",
            body_html="<p>A note with <em>markdown</em></p>" * 5,
        )
        for _ in range(300)
    )
    Failure.objects.bulk_create(
        Failure(
            learner=learner,
            module=rng.choice(modules[:22]),
            plan=plan,
            title="Hidden state not detached",
            what_happened_html="<p>Memory grew.</p>",
            lesson="Detach the state between batches.",
            lesson_html="<p>Detach the state between batches.</p>",
            happened_on=start + timedelta(days=rng.randrange(366)),
        )
        for _ in range(100)
    )
    runs = Run.objects.bulk_create(
        Run(
            learner=learner,
            module=rng.choice(modules[:22]),
            name=f"run {i}",
            started_at=now - timedelta(days=rng.randrange(366)),
            git_sha="0123456789abcdef0123456789abcdef01234567",
            config={"lr": 0.001, "dropout": 0.5},
        )
        for i in range(200)
    )
    RunMetric.objects.bulk_create(
        RunMetric(run=run, name="val_ppl", value=rng.uniform(100, 300)) for run in runs
    )
    ModuleMetric.objects.bulk_create(
        ModuleMetric(learner=learner, module=m, name="val_ppl") for m in modules[:22]
    )
    learner._first_module = modules[18].slug  # in progress, with notes and sessions
    return learner
