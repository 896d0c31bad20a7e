"""The dashboard, the module page and every htmx write, for a learner with a year of history,
beside a one-query template view.

The learner: a plan of 40 modules (6 checkpoints each, half of them done or in progress) and a
year of history — 1,000 study sessions, 300 notes, 100 failures with lessons, 200 experiment
runs, ticks, status changes and confidence ratings. Every request goes through the whole Django
stack in this process (Django's test client: middleware, session, auth, CSP, templates), with
DEBUG=false, so "server time" here is the time Django spends on a request, without a network or
a WSGI server.

The baseline is the floor a real page can reach: a *one-query template view* — one ORM query for
the learner's 40 plan items with their modules, rendered by a small template that loops over them
with a link, hours and summary each (plus the session and user reads every logged-in page pays).
Measured beside it, as ratios of medians in the same run: GET / (the dashboard), the module
page, and the htmx writes — tick, status, confidence, log a session, save a note, log a
failure — each posted from the dashboard and from the module page. Also: the query count of
each, and the dashboard's page weight (HTML + the CSS and JS it links) for this learner and
for the logged-in demo, uncompressed and compressed as whitenoise compresses static files.
"""

from __future__ import annotations

import io
import itertools
import os
import random
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench import _support

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WRITES = int(os.environ.get("BENCH_WRITES", "150"))
WARMUP = 20
# The one-query view measured again just before each figure, with this many requests: a ratio
# to the baseline beside it moves less on a shared machine than one to a baseline timed minutes
# earlier ("× beside").
BESIDE = int(os.environ.get("BENCH_BESIDE", "60"))

ONE_QUERY_TEMPLATE = """<!doctype html><html lang="en"><head><title>Plan</title></head><body>
<h1>{{ plan_goal }}</h1><ol>{% for item in items %}
<li><a href="{{ item.module.get_absolute_url }}">{{ item.module.title }}</a>
<span>{{ item.module.hours|floatformat:"-1" }} h</span><p>{{ item.module.summary }}</p></li>{% endfor %}
</ol></body></html>"""


def one_query_view(request):
    """The baseline: one query for the plan's items and their modules, one small template."""
    from django.http import HttpResponse
    from django.template import engines

    from learners.models import PlanItem

    items = list(
        PlanItem.objects.filter(plan__learner=request.user, plan__status="active")
        .select_related("module")
        .order_by("position")
    )
    template = engines["django"].from_string(ONE_QUERY_TEMPLATE)
    return HttpResponse(template.render({"items": items, "plan_goal": "A year of NLP"}, request))


def urlpatterns():
    from django.urls import path

    from config.urls import urlpatterns as site

    return [path("bench/one-query/", one_query_view), *site]


def run() -> None:
    print(_support.describe_machine())
    from django.conf import settings

    settings.DEBUG = False
    settings.ROOT_URLCONF = "bench._urls"
    with _support.fresh_database():
        learner = _learner_with_a_year_of_history()
        results = measure(learner)
    _demo_page_weight()
    print(
        f"{REQUESTS} requests per page and {WRITES} per write, median after {WARMUP} warm-up "
        f"requests; {_support.load_average()}"
    )
    wall_base, cpu_base, _ = results["one-query view"]
    print(
        f"  {'':32s} {'wall':>8s} {'× base':>7s} {'CPU':>8s} {'× base':>7s} queries"
        f" {'CPU × beside':>12s}"
    )
    for name, (wall, cpu, queries) in results.items():
        beside = _beside.get(name)
        print(
            f"  {name:32s} {wall * 1000:6.2f}ms {wall / wall_base:6.2f}× {cpu * 1000:6.2f}ms"
            f" {cpu / cpu_base:6.2f}× {queries:4d}" + (f" {cpu / beside:11.2f}×" if beside else "")
        )
    print("  (× base: the ratio to the one-query view's median; CPU is this process's own time,")
    print("   which other processes on a shared machine do not inflate; × beside: the CPU ratio")
    print(f"   to the one-query view measured again ({BESIDE} requests) just before the figure)")


_beside: dict[str, float] = {}  # figure → the one-query view's median CPU just before it


def measure(learner) -> dict[str, tuple[float, float, int]]:
    from django.core.cache import caches
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(learner)
    module = learner._first_module
    tick = learner._tick_checkpoint
    results = BesideResults()
    results["/health/"] = _median(client, "get", "/health/", REQUESTS)
    results["one-query view"] = _median(client, "get", "/bench/one-query/", REQUESTS)
    results["dashboard /"] = _median(client, "get", "/", REQUESTS)
    results["module page"] = _median(client, "get", f"/modules/{module}/", REQUESTS)
    # The first look after a write: the page cache holds nothing for this version yet.
    afresh = caches["pages"].clear
    results["dashboard / afresh"] = _median(client, "get", "/", REQUESTS, before=afresh)
    results["module page afresh"] = _median(
        client, "get", f"/modules/{module}/", REQUESTS, before=afresh
    )
    # The first look after a write, as a learner meets it: the write moved the record's version,
    # so the page is built again, but the sections of concerns it left alone are still cached.
    for name, write in _writes_before_a_look(client, learner, module, tick).items():
        results[f"dashboard / after {name}"] = _median(client, "get", "/", WRITES, before=write)
    _page_weight(client)
    for page in ("dashboard", "module"):
        writes = {
            "tick": (
                f"/modules/{module}/checkpoints/{tick}/",
                lambda i: {"ticked": "on"} if i % 2 else {},
            ),
            "status": (
                f"/modules/{module}/status/",
                lambda i: {"status": ("in_progress", "done")[i % 2]},
            ),
            "confidence": (f"/modules/{module}/confidence/", lambda i: {"confidence": 3 + i % 2}),
            "log a session": (
                "/sessions/",
                _session_data(learner),
            ),
            "save a note": (f"/modules/{module}/notes/", lambda i: {"body": f"Note {i}"}),
            "log a failure": (
                "/failures/capture/",
                _failure_data(module),
            ),
        }
        for name, (path, data) in writes.items():
            results[f"{name} (from {page})"] = _median(
                client,
                "post",
                path,
                WRITES,
                data=lambda i, d=data, page=page: {**d(i), "page": page},
            )
    return results


def _writes_before_a_look(client, learner, module, tick) -> dict:
    """A write posted from the dashboard, untimed, before each timed look at it."""
    counter = itertools.count()
    headers = {"HX-Request": "true"}

    def post(path, data):
        def write():
            i = next(counter)
            response = client.post(path, {**data(i), "page": "dashboard"}, headers=headers)
            assert response.status_code == 200, (path, response.status_code)

        return write

    return {
        "a tick": post(
            f"/modules/{module}/checkpoints/{tick}/", lambda i: {"ticked": "on"} if i % 2 else {}
        ),
        "a session": post(
            "/sessions/",
            _session_data(learner),
        ),
        "a failure": post(
            "/failures/capture/",
            _failure_data(module),
        ),
    }


def _session_data(learner):
    return lambda i: {
        "session-date": learner.local_today().isoformat(),
        "session-minutes": "30",
        "session-module": str(learner._first_module_id),
        "session-description": "bench",
    }


def _failure_data(module):
    return lambda i: {
        "capture-module": module,
        "capture-title": f"Failure {i}",
        "capture-category": "bug",
    }


class BesideResults(dict):
    """The results; storing a figure also stores the one-query view's CPU that `_median`
    measured just before that figure (`_beside`)."""

    def __setitem__(self, name: str, value) -> None:
        super().__setitem__(name, value)
        _beside[name] = _last_beside[0]


_last_beside = [0.0]


def _median(
    client, method: str, path: str, count: int, data=None, before=None, quiet: bool = False
) -> tuple[float, float, int]:
    """(median wall seconds, median CPU seconds, queries of one request); `before` runs
    untimed before each request. Unless `quiet`, the one-query view is measured first, for the
    figure's "× beside" ratio."""
    from django.db import connection

    if not quiet and BESIDE > 0:
        _last_beside[0] = _median(client, "get", "/bench/one-query/", BESIDE, quiet=True)[1]
    headers = {"HX-Request": "true"} if method == "post" else {}
    send = getattr(client, method)

    def request(i: int):
        response = send(path, data(i) if data else None, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        return response

    for i in range(WARMUP):
        if before:
            before()
        request(i)
    if before:
        before()
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        request(WARMUP)
    walls, cpus = [], []
    for i in range(count):
        if before:
            before()
        wall, cpu, _ = _support.timed(lambda i=i: request(WARMUP + 1 + i))
        walls.append(wall)
        cpus.append(cpu)
    return _support.median(walls), _support.median(cpus), len(queries)


def _page_weight(client, who: str = "the bench's learner") -> None:
    """The dashboard's HTML plus every stylesheet and script it links, and the stylesheets those
    import: uncompressed, and compressed as whitenoise's collectstatic does it (Brotli, gzip -9)
    for the static files.
    gunicorn sends the HTML itself uncompressed (no GZipMiddleware); its compressed sizes are
    what a proxy that compresses HTML would send."""
    from django.contrib.staticfiles import finders
    from whitenoise.compress import Compressor

    html = client.get("/").content
    assets = [a.decode() for a in re.findall(rb'(?:href|src)="/static/([^"?]+\.(?:css|js))"', html)]
    sizes = {}
    brotli_total = gzip_total = 0
    for name in assets:
        found = finders.find(name) or finders.find(re.sub(r"\.[0-9a-f]{12}\.", ".", name))
        data = Path(found).read_bytes() if found else b""
        # A stylesheet's @import is fetched too (app.css imports highlight.css): appended, so
        # this loop reaches it, and counted once.
        folder = name.rpartition("/")[0]
        for imported in re.findall(rb'@import url\("([^"]+\.css)"\)', data):
            if (path := f"{folder}/{imported.decode()}".lstrip("/")) not in assets:
                assets.append(path)
        sizes[name] = len(data)
        brotli_total += len(Compressor.compress_brotli(data))
        gzip_total += len(Compressor.compress_gzip(data))
    total = len(html) + sum(sizes.values())
    listed = ", ".join(f"{name} {size / 1024:.1f}" for name, size in sizes.items())
    html_br, html_gz = len(Compressor.compress_brotli(html)), len(Compressor.compress_gzip(html))
    print(f"page weight of the dashboard ({who}): HTML {len(html) / 1024:.1f} KB + {listed} KB")
    print(f"  = {total / 1024:.1f} KB uncompressed (goal ≤ 100 KB)")
    print(
        f"  CSS + JS as whitenoise serves them: Brotli {brotli_total / 1024:.1f} KB, gzip "
        f"{gzip_total / 1024:.1f} KB (uncompressed {sum(sizes.values()) / 1024:.1f} KB)"
    )
    print(
        f"  HTML {len(html) / 1024:.1f} KB as gunicorn sends it (Brotli {html_br / 1024:.1f} KB, "
        f"gzip {html_gz / 1024:.1f} KB if a proxy compressed it); all Brotli: "
        f"{(html_br + brotli_total) / 1024:.1f} KB, HTML uncompressed + static Brotli: "
        f"{(len(html) + brotli_total) / 1024:.1f} KB"
    )


def _demo_page_weight() -> None:
    """The same for the logged-in demo (`make demo`: the real curriculum, lists, demo learner)."""
    from django.core.management import call_command
    from django.test import Client

    from learners.demo import DEMO_EMAIL, seed_demo
    from learners.models import User

    with _support.fresh_database():
        call_command("load_curriculum", verbosity=0, stdout=io.StringIO())
        call_command("seed_lists", verbosity=0, stdout=io.StringIO())
        seed_demo()
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=DEMO_EMAIL))
        _page_weight(client, "the logged-in demo")


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
    learner._first_module_id = modules[18].id
    learner._tick_checkpoint = checkpoints[18 * 6 + 5].key
    return learner
