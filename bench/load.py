"""Simulated learners against gunicorn, beside GET /health/ on the same server in the same run.

    bin/with-postgres .venv/bin/python bench/run.py load    # PostgreSQL, 50 learners
    .venv/bin/python bench/run.py load                      # SQLite, 10 learners

Needs locust, which is not a project dependency (the suite doesn't use it): install it as a
tool, `uv tool install locust` (then ~/.local/bin/locust), or into the virtualenv with
`uv pip install --python .venv/bin/python locust` (`uv sync` removes it again). Or point
LOCUST at an executable.

What happens, all on loopback:

1. A fresh database (bench/_support.py) gets the learners: each with an active plan of 12
   modules (6 checkpoints each; some done, some in progress) and 90 days of history (study
   sessions, notes, ticks, status changes, confidence ratings), and a logged-in session.
2. `collectstatic`, then gunicorn with DEBUG=false, as in production (docs/operations.md):
   `--workers 2 × CPUs + 1` sync workers (BENCH_LOAD_WORKERS to change it).
   Before the load: the dashboard and every stylesheet and script it links, fetched from it
   with Brotli, gzip and neither — bytes sent, Content-Encoding and Cache-Control.
3. Locust, headless, in its own process, with no pause between clicks unless BENCH_LOAD_THINK
   is set (seconds): every simulated learner sends its next request as soon as the answer
   arrives, the worst case for the server. In order:
   - warm-up: the learners for 5 s (not counted);
   - baselines: the same number of clients requesting GET /health/, then the one-query template
     view (bench/dashboard.py) as logged-in learners, for BENCH_LOAD_BASELINE s each;
   - the learners for BENCH_LOAD_SECONDS s: the dashboard (5), a module page (2), an htmx tick
     or untick (4), an htmx study session (2), an htmx note (2) — weights in brackets.
4. Checks: locust's failures (any status but 200, or an answer without what the page swaps
   in); the server's log, grepped for "database is locked", tracebacks and 5xx; every session
   and note that was answered 200 is in the database exactly once; each learner's ticked
   checkpoints in the database are exactly those the client last had confirmed.

Environment: BENCH_LOAD_USERS (default 50 on PostgreSQL, 10 on SQLite), BENCH_LOAD_SECONDS
(60), BENCH_LOAD_BASELINE (30), BENCH_LOAD_WORKERS, BENCH_LOAD_THINK (0).
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import _support

ROOT = _support.ROOT
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
BASELINE_SECONDS = int(os.environ.get("BENCH_LOAD_BASELINE", "30"))
WARMUP_SECONDS = 5
THINK = float(os.environ.get("BENCH_LOAD_THINK", "0"))
MODULES, PLAN_SIZE, CHECKPOINTS = 24, 12, 6


def run() -> None:
    locust = find_locust()
    if locust is None:
        print(
            "locust not found: `uv tool install locust` (or "
            "`uv pip install --python .venv/bin/python locust`, or set LOCUST). Skipped."
        )
        return
    from django.db import connection

    vendor = connection.vendor
    users = int(os.environ.get("BENCH_LOAD_USERS", "50" if vendor == "postgresql" else "10"))
    workers = int(os.environ.get("BENCH_LOAD_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
    print(f"locust {_version(locust)}; gunicorn {_version(_gunicorn())}")
    folder = _support.scratch_dir() / "load"
    folder.mkdir(exist_ok=True)
    with _support.fresh_database():
        started = time.perf_counter()
        learners = _seed(users)
        print(
            f"{users} learners with 90 days of history seeded in {time.perf_counter() - started:.0f} s"
        )
        (folder / "learners.json").write_text(json.dumps(learners))
        url = _database_url(connection)
        connection.close()  # the server has the database to itself from here
        with _server(url, workers, folder) as (base, log, master):
            print(
                f"gunicorn: {workers} sync workers on {base}, DEBUG=false; {_support.load_average()}"
            )
            print(_static_as_served(base, learners[0]["session"]))
            access = folder / "access.log"
            warmup = _locust(locust, "LearnerUser", users, WARMUP_SECONDS, base, folder, "warmup")
            mark, cpu = access.stat().st_size, _server_cpu(master)
            baseline = _locust(
                locust, "HealthUser", users, BASELINE_SECONDS, base, folder, "health"
            )
            baseline.served = _served(access, mark)
            baseline.server_cpu = _server_cpu(master) - cpu
            mark, cpu = access.stat().st_size, _server_cpu(master)
            floor = _locust(
                locust, "OneQueryUser", users, BASELINE_SECONDS, base, folder, "one-query"
            )
            floor.served = _served(access, mark)
            floor.server_cpu = _server_cpu(master) - cpu
            # The warm-up ticked and unticked: start the learners from what the database holds.
            _refresh_ticks(learners)
            (folder / "learners.json").write_text(json.dumps(learners))
            connection.close()
            mark, cpu = access.stat().st_size, _server_cpu(master)
            mix = _locust(locust, "LearnerUser", users, SECONDS, base, folder, "mix")
            mix.served = _served(access, mark)
            mix.server_cpu = _server_cpu(master) - cpu
            print(f"after: {_support.load_average()}")
        _report(vendor, users, workers, warmup, baseline, floor, mix, log, learners)


# --- the learners --------------------------------------------------------------------------------


def _seed(count: int) -> list[dict]:
    from django.contrib.auth.hashers import make_password
    from django.test import Client

    from curriculum.models import Checkpoint, Module
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

    rng = random.Random(2026)
    modules = Module.objects.bulk_create(
        Module(
            slug=f"load-{i:02d}",
            title=f"Module {i:02d}: attention, tokenizers and training loops",
            summary="A summary of a sentence or two, as the catalogue shows it.",
            kind="build",
            hours=Decimal(rng.choice([4, 6, 8, 10])),
            body_html="<p>Body text of a realistic length.</p>" * 40,
            source=f"bench/load-{i}.md",
            content_hash="x",
        )
        for i in range(MODULES)
    )
    checkpoints = Checkpoint.objects.bulk_create(
        Checkpoint(
            module=m, key=f"c{j}", text=f"Checkpoint {j}", html=f"Checkpoint {j}", position=j
        )
        for m in modules
        for j in range(CHECKPOINTS)
    )
    by_module: dict[int, list] = {}
    for checkpoint in checkpoints:
        by_module.setdefault(checkpoint.module_id, []).append(checkpoint)
    # Passwords are never used (sessions are made directly), so skip the slow hashing.
    learners = User.objects.bulk_create(
        User(
            email=f"learner{i:03d}@example.com",
            display_name=f"Learner {i}",
            password=make_password(None),
        )
        for i in range(count)
    )
    result = []
    for index, learner in enumerate(learners):
        today = learner.local_today()
        start = today - timedelta(days=90)
        now = learner.date_joined
        chosen = rng.sample(modules, PLAN_SIZE)
        plan = Plan.objects.create(
            learner=learner,
            goal="Build a small language model",
            start_date=start,
            target_end=today + timedelta(weeks=8),
            weekly_hours=Decimal(8),
        )
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, module=m, position=i) for i, m in enumerate(chosen)
        )
        statuses = [Status.DONE] * 4 + [Status.IN_PROGRESS] * 3 + [Status.NOT_STARTED] * 5
        ModuleProgress.objects.bulk_create(
            ModuleProgress(
                learner=learner, module=m, status=s, confidence=rng.randint(1, 5) if s != Status.NOT_STARTED else None,
                started_at=now if s != Status.NOT_STARTED else None, finished_at=now if s == Status.DONE else None,
            )
            for m, s in zip(chosen, statuses, strict=True)
        )  # fmt: skip
        ticked: dict[str, list[str]] = {m.slug: [] for m in chosen}
        ticks = []
        for m, s in zip(chosen, statuses, strict=True):
            for checkpoint in by_module[m.id]:
                if s == Status.DONE or (s == Status.IN_PROGRESS and rng.random() < 0.5):
                    ticks.append(
                        CheckpointTick(learner=learner, checkpoint=checkpoint, ticked_at=now)
                    )
                    ticked[m.slug].append(checkpoint.key)
        CheckpointTick.objects.bulk_create(ticks)
        StatusChange.objects.bulk_create(
            StatusChange(
                learner=learner, module=m, old_status=Status.NOT_STARTED, new_status=s, at=now
            )
            for m, s in zip(chosen, statuses, strict=True)
            if s != Status.NOT_STARTED
        )
        ConfidenceRating.objects.bulk_create(
            ConfidenceRating(learner=learner, module=m, value=rng.randint(1, 5), at=now)
            for m in chosen[:7]
        )
        StudySession.objects.bulk_create(
            StudySession(
                learner=learner, module=rng.choice(chosen), date=start + timedelta(days=rng.randrange(90)),
                minutes=rng.choice([30, 45, 60, 90]), description="Read, coded, debugged",
            )
            for _ in range(120)
        )  # fmt: skip
        Note.objects.bulk_create(
            Note(
                learner=learner, module=rng.choice(chosen), body="A note with *markdown*.",
                body_html="<p>A note with <em>markdown</em>.</p>",
            )
            for _ in range(40)
        )  # fmt: skip
        client = Client()
        client.force_login(learner)
        result.append(
            {
                "session": client.cookies["sessionid"].value,
                "today": today.isoformat(),
                "modules": [
                    {
                        "slug": m.slug,
                        "id": m.id,
                        "checkpoints": [f"c{j}" for j in range(CHECKPOINTS)],
                    }
                    for m in chosen
                ],
                "ticked": ticked,
                "id": learner.pk,
                "_index": index,
            }
        )
    return result


def _ticks_of(learner_id: int) -> dict[str, list[str]]:
    from learners.models import CheckpointTick

    ticked: dict[str, list[str]] = {}
    rows = CheckpointTick.objects.filter(learner_id=learner_id).values_list(
        "checkpoint__module__slug", "checkpoint__key"
    )
    for slug, key in rows:
        ticked.setdefault(slug, []).append(key)
    return ticked


def _refresh_ticks(learners: list[dict]) -> None:
    for learner in learners:
        ticked = _ticks_of(learner["id"])
        learner["ticked"] = {
            m["slug"]: sorted(ticked.get(m["slug"], [])) for m in learner["modules"]
        }


def _database_url(connection) -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"  # four slashes: an absolute path
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


# --- the server ----------------------------------------------------------------------------------


def _gunicorn() -> str:
    return str(Path(sys.executable).with_name("gunicorn"))


@contextmanager
def _server(database_url: str, workers: int, folder: Path):
    from django.conf import settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    } | {
        "DEBUG": "false",
        # The sessions were signed in this process: the server needs the same key.
        "SECRET_KEY": settings.SECRET_KEY,
        "SITE_URL": base,
        "DATABASE_URL": database_url,
        "EMAIL_URL": "memory:",
        "STATIC_ROOT": str(folder / "static"),
        "DJANGO_SETTINGS_MODULE": "bench._settings",  # the site plus the one-query view
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    log = folder / "gunicorn.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [_gunicorn(), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--worker-class", "sync", "--timeout", "60",
             "--access-logfile", str(folder / "access.log"),
             "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"],
            env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/health/", timeout=5):  # noqa: S310 - loopback
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start:\n" + log.read_text())
        yield base, log, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _static_as_served(base: str, session: str) -> str:
    """The dashboard as gunicorn serves it to a learner, and every stylesheet and script it
    links asked for with Brotli, gzip and neither: bytes sent, Content-Encoding, Cache-Control."""

    def get(path: str, encoding: str | None) -> tuple[bytes, dict]:
        headers = {"Cookie": f"sessionid={session}"} | (
            {"Accept-Encoding": encoding} if encoding else {}
        )
        request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.read(), dict(response.headers.items())

    html, page_headers = get("/", "br, gzip")
    lines = [
        f"the dashboard as served: HTML {len(html) / 1024:.1f} KB, Content-Encoding "
        f"{page_headers.get('Content-Encoding', 'none')}, Cache-Control "
        f"{page_headers.get('Cache-Control', '-')!r}"
    ]
    totals = {"br": 0, "gzip": 0, None: 0}
    for path in re.findall(r'(?:href|src)="(/static/[^"?]+\.(?:css|js))"', html.decode()):
        row = []
        for encoding in totals:
            body, headers = get(path, encoding)
            totals[encoding] += len(body)
            row.append(f"{encoding or 'none'} {len(body) / 1024:.1f} KB "
                       f"({headers.get('Content-Encoding', 'identity')})")  # fmt: skip
        lines.append(f"  {path}: {', '.join(row)}; Cache-Control {headers.get('Cache-Control')!r}")
    lines.append(
        f"  static total: Brotli {totals['br'] / 1024:.1f} KB, gzip {totals['gzip'] / 1024:.1f} KB,"
        f" uncompressed {totals[None] / 1024:.1f} KB; with the HTML: "
        f"{(len(html) + totals['br']) / 1024:.1f} KB sent to a browser that takes Brotli"
    )
    return "\n".join(lines)


# --- locust --------------------------------------------------------------------------------------


def find_locust() -> str | None:
    for candidate in (
        os.environ.get("LOCUST"),
        str(Path(sys.executable).with_name("locust")),
        shutil.which("locust"),
        str(Path.home() / ".local" / "bin" / "locust"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _version(executable: str) -> str:
    output = subprocess.run([executable, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"\d+\.\d+(\.\d+)?", output)
    return found.group(0) if found else "?"


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p99: float
    average: float


@dataclass
class Phase:
    users: int
    seconds: int
    rows: list[Row]
    failures: list[dict]
    cpu_warning: bool
    state: dict
    served: dict = field(default_factory=dict)  # kind → [(status, microseconds in the worker)]
    server_cpu: float = 0.0  # CPU seconds used by gunicorn's processes during the phase
    client_cpu: float = 0.0  # CPU seconds used by locust

    @property
    def served_count(self) -> int:
        return sum(len(rows) for rows in self.served.values())

    @property
    def total(self) -> Row:
        return next(row for row in self.rows if row.name == "Aggregated")

    def named(self, prefix: str) -> Row | None:
        return next((row for row in self.rows if row.name.startswith(prefix)), None)


def _locust(
    locust: str, user_class: str, users: int, seconds: int, base: str, folder: Path, label: str
) -> Phase:
    prefix = folder / label
    state = folder / f"{label}-state.json"
    env = os.environ | {
        "BENCH_LOAD_LEARNERS": str(folder / "learners.json"),
        "BENCH_LOAD_STATE": str(state),
        "BENCH_LOAD_THINK": str(THINK),
    }
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (folder / f"{label}-locust.log").open("w") as output:
        subprocess.run(
            [locust, "-f", str(ROOT / "bench" / "_locustfile.py"), user_class, "--headless",
             "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
             "--host", base, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
             "--exit-code-on-error", "0", "--loglevel", "WARNING"],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, check=True,
            timeout=seconds + 120,
        )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = [
            Row(
                name=record["Name"],
                requests=int(record["Request Count"]),
                failures=int(record["Failure Count"]),
                rps=float(record["Requests/s"]),
                p50=float(record["50%"]),
                p99=float(record["99%"]),
                average=float(record["Average Response Time"]),
            )
            for record in csv.DictReader(stats)
        ]
    with open(f"{prefix}_failures.csv", newline="") as failures:
        failed = list(csv.DictReader(failures))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    log_text = (folder / f"{label}-locust.log").read_text()
    return Phase(
        client_cpu=client_cpu,
        users=users,
        seconds=seconds,
        rows=rows,
        failures=failed,
        cpu_warning="CPU usage" in log_text,
        state=json.loads(state.read_text()) if state.exists() else {},
    )


def _server_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn's master and its live workers (/proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [master]
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that exited: its time is lost (none should)
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _served(access_log: Path, offset: int) -> dict[str, list[tuple[int, int]]]:
    """gunicorn's access log from `offset`: (status, time in the worker in µs) by kind."""
    with access_log.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode().splitlines()
    served: dict[str, list[tuple[int, int]]] = {}
    for line in lines:
        method, path, status, micros = line.split()
        served.setdefault(_kind(method, path), []).append((int(status), int(micros)))
    return served


def _kind(method: str, path: str) -> str:
    if path == "/health/":
        return "GET /health/"
    if path == "/bench/one-query/":
        return "GET one-query view"
    if path == "/":
        return "GET / (dashboard)"
    if method == "GET" and path.startswith("/modules/"):
        return "GET /modules/<slug>/"
    if "/checkpoints/" in path:
        return "POST tick/untick"
    if path == "/sessions/":
        return "POST /sessions/ (log a session)"
    if path.endswith("/notes/"):
        return "POST /modules/<slug>/notes/"
    return f"{method} {path}"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


# --- the report ----------------------------------------------------------------------------------


def _report(
    vendor,
    users,
    workers,
    warmup: Phase,
    baseline: Phase,
    floor: Phase,
    mix: Phase,
    log: Path,
    learners,
) -> None:
    server_log = log.read_text()
    locked = server_log.count("database is locked")
    tracebacks = server_log.count("Traceback")
    server_errors = len(re.findall(r"ERROR django\.request", server_log))
    health, one_query, total = baseline.total, floor.total, mix.total
    think = f"{THINK:g} s between clicks" if THINK else "no pause between clicks"
    print(
        f"\n{vendor}: {users} simulated learners, {think}; gunicorn {workers} sync workers; "
        f"{mix.seconds} s of learners, {baseline.seconds} s of /health/ before"
    )
    print(
        f"{'':34}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}"
    )
    lines = [
        ("GET /health/ alone", health),
        ("one-query view alone", one_query),
        ("learners, all requests", total),
    ]
    lines += [(f"  {row.name}", row) for row in mix.rows if row.name != "Aggregated"]
    for label, row in lines:
        print(
            f"{label:34}{row.requests:>9,}{row.failures:>8}{row.rps:>9.1f}{row.p50:>9.0f}{row.p99:>9.0f}{row.average:>9.1f}"
        )
    print(
        f"ratios, learners / health: throughput {total.rps / health.rps:.3f}, "
        f"p50 {total.p50 / health.p50:.1f}×, p99 {total.p99 / health.p99:.1f}×"
    )
    print(
        f"ratios, learners / one-query view: throughput {total.rps / one_query.rps:.3f} "
        f"(goal ≥ 0.25), p50 {total.p50 / one_query.p50:.1f}×, p99 {total.p99 / one_query.p99:.1f}×"
    )
    print("time in the worker (gunicorn's access log: from reading the request to the answer,")
    print("without the wait for a free worker):")
    print(f"{'':34}{'requests':>9}{'not 200':>8}{'':>9}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for kind, rows in [
        *baseline.served.items(),
        *floor.served.items(),
        *sorted(mix.served.items()),
    ]:
        times = [micros / 1000 for _, micros in rows]
        print(
            f"  {kind:32}{len(rows):>9,}{sum(status != 200 for status, _ in rows):>8}{'':>9}"
            f"{_percentile(times, 0.5):>9.1f}{_percentile(times, 0.99):>9.1f}"
            f"{sum(times) / len(times):>9.1f}"
        )
    learner_times = [m / 1000 for rows in mix.served.values() for _, m in rows]
    health_times = [m / 1000 for rows in baseline.served.values() for _, m in rows]
    print(
        f"  learners, all requests: p50 {_percentile(learner_times, 0.5):.1f} ms, "
        f"p99 {_percentile(learner_times, 0.99):.1f} ms; "
        f"{_percentile(learner_times, 0.5) / _percentile(health_times, 0.5):.0f}× /health/ at p50"
    )
    print("CPU time per request (gunicorn's processes, from /proc; locust's own beside it):")
    for label, phase in (("GET /health/", baseline), ("one-query view", floor), ("learners", mix)):
        count = max(phase.served_count, 1)
        print(
            f"  {label:32} server {phase.server_cpu * 1000 / count:7.2f} ms a request "
            f"({phase.server_cpu:.1f} s over {phase.seconds} s), locust {phase.client_cpu:.1f} s"
        )
    per_learner = mix.server_cpu / max(mix.served_count, 1)
    per_health = baseline.server_cpu / max(baseline.served_count, 1)
    per_floor = floor.server_cpu / max(floor.served_count, 1)
    print(f"  learner request / one-query request: {per_learner / per_floor:.1f}× the CPU")
    print(
        f"  learner request / health request: {per_learner / per_health:.0f}× the CPU; "
        f"{os.cpu_count()} CPUs at that cost would serve at most {os.cpu_count() / per_learner:.0f} learner requests/s"
    )
    errors = total.failures + health.failures + one_query.failures
    print(
        f"errors seen by locust: {errors}"
        + "".join(
            f"\n  {f['Occurrences']}× {f['Name']}: {f['Error'][:200]}"
            for f in mix.failures + baseline.failures + floor.failures
        )
    )
    print(
        f'server log: {locked} "database is locked", {tracebacks} tracebacks, '
        f"{server_errors} django.request errors"
    )
    if mix.cpu_warning or baseline.cpu_warning:
        print("locust warned that its own CPU use passed 90%: the client may have been the limit")

    # Nothing lost, nothing doubled.
    print(_compare_writes(mix.state.get("submissions", {}), warmup.state.get("submissions", {})))
    print(_compare_ticks(learners, mix.state.get("ticked", {})))


def _compare_writes(submissions: dict[str, int], warmup: dict[str, int]) -> str:
    """Every session and note answered 200 in the measured run is in the database once; none
    that was never sent is there."""
    from django.db.models import Count

    from learners.models import Note, StudySession

    stored: dict[str, int] = {}
    for model in (StudySession, Note):
        rows = (
            model.objects.filter(submission_key__isnull=False)
            .values("submission_key")
            .annotate(n=Count("id"))
        )
        for row in rows:
            stored[row["submission_key"]] = stored.get(row["submission_key"], 0) + row["n"]
    answered = {key for key, status in submissions.items() if status == 200}
    unanswered = {key for key, status in submissions.items() if status == 0}
    missing = [key for key in answered if stored.get(key) != 1]
    doubled = [key for key, n in stored.items() if n > 1]
    stray = [key for key in stored if key not in submissions and key not in warmup]
    return (
        f"writes: {len(answered)} sessions and notes answered 200, {len(missing)} of them "
        f"missing or doubled in the database; {len(doubled)} keys stored twice; "
        f"{len(unanswered)} still unanswered when the run ended "
        f"({sum(key in stored for key in unanswered)} of those stored); "
        f"{len(stray)} stored that were never sent"
    )


def _compare_ticks(learners: list[dict], state: dict) -> str:
    """Each learner's ticks in the database against what the client last saw confirmed."""
    checked = same = 0
    for index, learner in enumerate(learners):
        expected = state.get(str(index))
        if expected is None:
            continue
        checked += 1
        actual = _ticks_of(learner["id"])
        same += {slug: sorted(actual.get(slug, [])) for slug in expected} == expected
    return (
        f"ticks: {same} of {checked} learners' ticked checkpoints in the database are exactly "
        f"those the client saw confirmed ({len(learners) - checked} with a tick unanswered at "
        "the end, not compared)"
    )
