"""The weekly email for 10,000 learners with history: one weekly run, as production runs it.

The data: 10,000 learners (spread over six time zones from UTC−10 to UTC+13), each with an active
plan of 12 modules (4 checkpoints each) and HISTORY_WEEKS weeks of history before the report
week: 3 study sessions a week, checkpoints ticked and modules finished along the way, a failure
with a lesson every 2–4 weeks, and an experiment run a week with two metrics, one of them the
module's primary metric. All are due at the same moment (Tuesday 10 March 2026 12:00 UTC, after
every zone's Monday 08:00), about the week of 2–8 March.

The run: `manage.py send_weekly_progress --now …` in its own process, as cron would start it,
with DEBUG=false, against the benchmark's database, delivering through Django's SMTP backend to
a real SMTP server on loopback (aiosmtpd, in this process; it counts envelopes and keeps no
message bodies). Measured: its wall time and CPU time, its peak memory (VmHWM, the peak resident
set, reported by the process itself as it exits; beside the same command with nothing due), and
that every learner got exactly one message.

Then, beside it: the same emails rendered from reports built beforehand (templates and MIME
only — the floor a run could reach), as a ratio; and the same week sent again through the
database task queue (TASKS_BACKEND=database): the clock only queues, then one `db_worker`
process, and after a reset two together, drain the queue — emails a minute and the workers' CPU
per email for each, to show the fan-out scales with workers. The ratio to rendering is printed
for wall time and for CPU time (the sender's own, from wait4, against this process's).

Queries per learner are counted in this process afterwards, with a counting execute_wrapper
(no SQL kept): for 20 of the 10,000 (HISTORY_WEEKS of history), and for 20 new learners with 1
week and 20 with 104 weeks of history, each batch sent by its own run — the count must not grow
with history.

    .venv/bin/python bench/run.py weekly
    bin/with-postgres .venv/bin/python bench/run.py weekly
    BENCH_WEEKLY_LEARNERS=500 .venv/bin/python bench/run.py weekly     # a quick look
"""

from __future__ import annotations

import os
import random
import resource
import secrets
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

from bench import _support

LEARNERS = int(os.environ.get("BENCH_WEEKLY_LEARNERS", "10000"))
HISTORY_WEEKS = int(os.environ.get("BENCH_WEEKLY_WEEKS", "26"))
SAMPLE = 20
SEED = 20260309
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
REPORT_WEEK = date(2026, 3, 2)
ZONES = [
    "Pacific/Honolulu",
    "America/New_York",
    "UTC",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Pacific/Tongatapu",
]
MODULES, CHECKPOINTS = 12, 4


# The command, run so that it reports its own peak memory as it exits. Not wait4's ru_maxrss:
# on Linux that keeps the high-water mark of the process before exec, i.e. of this benchmark.
MEASURED_COMMAND = """
import sys
from django.core.management import execute_from_command_line
try:
    execute_from_command_line(["manage.py", *sys.argv[1:]])
finally:
    with open("/proc/self/status") as status:
        print(next(line for line in status if line.startswith("VmHWM:")), file=sys.stderr)
"""


def run() -> None:
    from learners.weekly.sink import SmtpSink

    with _support.fresh_database():
        started = time.perf_counter()
        modules = _curriculum()
        rows = _learners(LEARNERS, HISTORY_WEEKS, modules, prefix="learner")
        print(
            f"{LEARNERS} learners with {HISTORY_WEEKS} weeks of history generated in "
            f"{time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{count:,} {name}" for name, count in rows.items())
        )
        print(f"before: {_support.load_average()}")
        due = _due_state()
        with SmtpSink(keep=False) as sink:
            # Nothing is due a week earlier: Django, the app and the command by themselves.
            idle = _weekly_run(sink, NOW - timedelta(weeks=1))
            measured = _weekly_run(sink, NOW)
            received = sink.received_by()
        print(f"after: {_support.load_average()}")
        exactly_once = len(received) == LEARNERS and set(received.values()) == {1}
        rendering, rendering_cpu = _render_from_ready_contexts()
        drains = {}
        for workers in (1, 2):
            _reset(due)
            with SmtpSink(keep=False) as sink:
                drains[workers] = _drain_with_workers(sink, workers)
                got = sink.received_by()
            assert len(got) == LEARNERS and set(got.values()) == {1}, (workers, len(got))
        per_learner = _queries_per_learner(modules)

    wall = measured["wall"]
    print(f"\nthe run: {measured['output']}")
    print(f"learners                {LEARNERS:>10,}")
    print(f"wall time               {wall:>10.1f} s   ({wall / LEARNERS * 1000:.1f} ms a learner)")
    print(
        f"CPU time of the sender  {measured['cpu']:>10.1f} s   "
        "(the rest: waiting on the database server, SMTP and other processes)"
    )
    print(
        f"peak memory (VmHWM)     {measured['peak_kib'] / 1024:>10.1f} MiB   "
        f"(the same command with nothing due: {idle['peak_kib'] / 1024:.1f} MiB)"
    )
    print(
        f"messages received       {sum(received.values()):>10,}   exactly one each: {exactly_once}"
    )
    print(
        f"rendering the same {LEARNERS:,} emails from ready reports (templates + MIME only): "
        f"{rendering:.1f} s ({rendering_cpu:.1f} s CPU); the whole run is {wall / rendering:.2f}× "
        f"that (goal ≤ 3), CPU time {measured['cpu'] / rendering_cpu:.2f}× (the sender's CPU "
        f"less the run with nothing due: {(measured['cpu'] - idle['cpu']) / rendering_cpu:.2f}×)"
    )
    print("through the database task queue (TASKS_BACKEND=database, django-tasks-db):")
    for workers, (enqueue, drain, cpu, load) in drains.items():
        print(
            f"  {workers} db_worker process{'es' if workers > 1 else ''}: the clock queued "
            f"{LEARNERS:,} in {enqueue:.1f} s; drained in {drain:.1f} s = "
            f"{LEARNERS / drain * 60:,.0f} emails a minute; the workers' CPU {cpu:.1f} s "
            f"({cpu / LEARNERS * 1000:.1f} ms an email); at the end: {load}"
        )
    if 1 in drains and 2 in drains:
        print(f"  two workers / one: {drains[1][1] / drains[2][1]:.2f}× the emails a minute")
    print("queries per learner, by weeks of history (run-level queries excluded):")
    for weeks, (count, run_level) in per_learner.items():
        print(f"  {weeks:>4} weeks: {count:g} a learner (+ {run_level} for the run)")


# --- the run ---------------------------------------------------------------------------------------


def _environment(sink) -> dict:
    return dict(os.environ) | {
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": sink.url,
        "SITE_URL": "https://trajectory.example.com",
        "DEBUG": "false",  # as in production: no query log kept in memory
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def _weekly_run(sink, now: datetime) -> dict:
    """One `send_weekly_progress --now <now>` in its own process: wall and CPU seconds, peak
    memory, and the line it printed."""
    env = _environment(sink)
    log = _support.scratch_dir() / "weekly-run.txt"
    command = [sys.executable, "-c", MEASURED_COMMAND, "send_weekly_progress"]
    started = time.perf_counter()
    with log.open("w+") as out:
        process = subprocess.Popen(
            [*command, "--now", now.isoformat()],
            cwd=_support.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # wait4 for the child's own CPU time (its ru_maxrss is not usable, see above).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if process.returncode != 0:
        raise SystemExit(f"the weekly run failed:\n{text}")
    lines = text.splitlines()
    peak = next(line for line in lines if line.startswith("VmHWM:"))
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_kib": int(peak.split()[1]),
        "output": next(line for line in lines if ": sent " in line),
    }


def _render_from_ready_contexts() -> tuple[float, float]:
    """(Wall, CPU) seconds to render every learner's email from a report built beforehand: the
    weekly templates and the MIME message, nothing else (reports are built 500 at a time,
    untimed)."""
    from learners.models import User
    from learners.weekly.models import WeeklyEmail
    from learners.weekly.report import build_report
    from learners.weekly.sender import weekly_message

    emails = list(
        WeeklyEmail.objects.filter(learner__email__startswith="learner")
        .select_related("learner")
        .order_by("pk")
    )
    assert len(emails) == LEARNERS, len(emails)
    seconds = cpu = 0.0
    for first in range(0, len(emails), 500):
        reports = [build_report(e.learner, e.week_start, NOW) for e in emails[first : first + 500]]
        started, started_cpu = time.perf_counter(), time.process_time()
        for report in reports:
            weekly_message(report).message().as_bytes()
        seconds += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
    assert User.objects.filter(email__startswith="learner").count() == LEARNERS
    return seconds, cpu


def _due_state() -> list[tuple[int, datetime]]:
    """Every schedule's next send time before the first run, to make the week due again."""
    from learners.weekly.models import WeeklySchedule

    return list(WeeklySchedule.objects.values_list("pk", "next_send_at"))


def _reset(due: list[tuple[int, datetime]]) -> None:
    """The same week due again for everyone: its emails and queued tasks forgotten."""
    from django_tasks_db.models import DBTaskResult

    from learners.weekly.models import WeeklyEmail, WeeklySchedule

    WeeklyEmail.objects.all().delete()
    DBTaskResult.objects.all().delete()
    schedules = WeeklySchedule.objects.in_bulk([pk for pk, _ in due])
    for pk, next_send_at in due:
        schedules[pk].next_send_at = next_send_at
    WeeklySchedule.objects.bulk_update(schedules.values(), ["next_send_at"], batch_size=1000)


def _drain_with_workers(sink, workers: int) -> tuple[float, float, float, str]:
    """The clock queues every email (TASKS_BACKEND=database), then `workers` db_worker
    processes send them together: (seconds to queue, seconds from the workers' start to the
    last email sent, CPU seconds of the workers, the load average as they finished)."""
    env = _environment(sink) | {"TASKS_BACKEND": "database"}
    started = time.perf_counter()
    queued = subprocess.run(
        [sys.executable, "manage.py", "send_weekly_progress", "--now", NOW.isoformat()],
        cwd=_support.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    enqueue = time.perf_counter() - started
    assert f"queued for workers {LEARNERS}" in queued.stdout + queued.stderr, queued.stdout
    # Each worker logs to its own file, as a service manager would keep it. Not a pipe: the
    # tasks framework logs two lines a task, and a pipe read only after the first worker exits
    # fills (64 KB) and stalls the second worker on a write (what made 2026-12-03's fan-out
    # look flat above 300 learners).
    logs = [_support.scratch_dir() / f"db-worker-{number}.txt" for number in range(workers)]
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    processes = []
    for log in logs:
        with log.open("w") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
                    cwd=_support.ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    for process, log in zip(processes, logs, strict=True):
        if process.wait() != 0:
            raise SystemExit(f"db_worker failed:\n{log.read_text()[-4000:]}")
    drained = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return enqueue, drained, cpu, _support.load_average()


def _database_url() -> str:
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or ""
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    if host.startswith("/"):
        return f"postgres://{user}{password}@{port}/{settings['NAME']}?host={host}"
    return f"postgres://{user}{password}@{host}{port}/{settings['NAME']}"


def _queries_per_learner(modules) -> dict[int, tuple[float, int]]:
    """{weeks of history: (queries a learner, queries for the run itself)}."""
    from django.db import connection
    from django.test.utils import override_settings

    from learners.models import User
    from learners.weekly.models import WeeklyEmail, WeeklySchedule
    from learners.weekly.sender import run_once

    class QueryCounter:
        count = 0

        def __call__(self, execute, sql, params, many, context):
            self.count += 1
            return execute(sql, params, many, context)

    def count_run() -> int:
        counter = QueryCounter()
        # Kept in memory: the count of queries doesn't depend on where the mail goes.
        memory = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        with override_settings(MAILERS=memory), connection.execute_wrapper(counter):
            report = run_once(NOW)
        assert report.outcomes["sent"] in (0, SAMPLE), report.summary()
        return counter.count

    empty = count_run()  # nothing due: what a run costs by itself
    results = {}
    # 20 of the 10,000: their emails undone and due again.
    sample = list(User.objects.filter(email__startswith="learner").order_by("pk")[:SAMPLE])
    WeeklyEmail.objects.filter(learner__in=sample).delete()
    WeeklySchedule.objects.filter(learner__in=sample).update(next_send_at=NOW - timedelta(days=1))
    results[HISTORY_WEEKS] = count_run()
    for weeks in (1, 104):
        _learners(SAMPLE, weeks, modules, prefix=f"h{weeks}-")
        results[weeks] = count_run()
    # A run with due learners also reads one batch of them; the rest is per learner.
    return {
        weeks: ((total - empty - 1) / SAMPLE, empty + 1) for weeks, total in sorted(results.items())
    }


# --- the data ------------------------------------------------------------------------------------


def _curriculum():
    from tests.factories import make_modules

    modules = make_modules(MODULES, prefix="bench", checkpoints=CHECKPOINTS)
    from curriculum.models import Module

    Module.objects.filter(pk__in=[m.pk for m in modules]).update(hours=Decimal(10))
    return list(
        Module.objects.filter(pk__in=[m.pk for m in modules])
        .prefetch_related("checkpoints")
        .order_by("slug")
    )


def _learners(count: int, weeks: int, modules, *, prefix: str) -> Counter:
    """`count` learners with `weeks` weeks of history before REPORT_WEEK, all due at NOW."""
    from learners.experiments.models import ModuleMetric, Run, RunMetric
    from learners.models import (
        CheckpointTick,
        ModuleProgress,
        Plan,
        PlanItem,
        Status,
        StudySession,
        User,
    )
    from learners.record.models import Failure
    from learners.weekly.models import WeeklySchedule

    rng = random.Random(f"{SEED}-{prefix}-{weeks}")
    start = REPORT_WEEK - timedelta(weeks=weeks - 1)
    rows: Counter = Counter()
    for first in range(0, count, 1000):
        chunk = range(first, min(first + 1000, count))
        users = User.objects.bulk_create(
            User(
                email=f"{prefix}{i:05d}@bench.example.com",
                display_name=f"Learner {i}",
                time_zone=ZONES[i % len(ZONES)],
            )
            for i in chunk
        )
        plans = Plan.objects.bulk_create(
            Plan(
                learner=user,
                goal="Build a chatbot",
                start_date=start,
                target_end=start + timedelta(weeks=max(weeks + 8, 16)),
                weekly_hours=Decimal(8),
            )
            for user in users
        )
        items, progress, ticks, sessions, failures, runs = [], [], [], [], [], []
        metrics, primaries = [], []
        for user, plan in zip(users, plans, strict=True):
            tz = ZoneInfo(user.time_zone)
            items += [PlanItem(plan=plan, module=m, position=i) for i, m in enumerate(modules)]
            # Checkpoints in order, one every 2–7 days from the start, until the week ends.
            moment = datetime.combine(start, clock(19), tzinfo=tz)
            end = datetime.combine(REPORT_WEEK + timedelta(days=7), clock(0), tzinfo=tz)
            for module in modules:
                done_at = None
                for checkpoint in module.checkpoints.all():
                    moment += timedelta(days=rng.randint(2, 7), minutes=rng.randint(0, 300))
                    if moment >= end:
                        break
                    ticks.append(
                        CheckpointTick(learner=user, checkpoint=checkpoint, ticked_at=moment)
                    )
                    done_at = moment
                else:
                    progress.append(
                        ModuleProgress(
                            learner=user, module=module, status=Status.DONE, finished_at=done_at
                        )
                    )
                    continue
                if done_at:
                    progress.append(
                        ModuleProgress(learner=user, module=module, status=Status.IN_PROGRESS)
                    )
                break
            for day in range(weeks * 7):
                on = start + timedelta(days=day)
                if on.weekday() in (1, 3, 5):
                    sessions.append(
                        StudySession(learner=user, date=on, minutes=rng.randint(20, 180))
                    )
            week = 0
            while week < weeks:
                week += rng.randint(2, 4)
                on = start + timedelta(weeks=week - 1, days=rng.randint(0, 6))
                if on > REPORT_WEEK + timedelta(days=6):
                    break
                lesson = f"Lesson {week}: check the shapes before the loss."
                failures.append(
                    Failure(
                        learner=user,
                        module=modules[0],
                        plan=plan,
                        title=f"Failure in week {week}",
                        lesson=lesson,
                        lesson_html=f"<p>{lesson}</p>",
                        lesson_at=datetime.combine(on, clock(20), tzinfo=tz),
                        happened_on=on,
                    )
                )
            for module in modules[:3]:
                primaries.append(ModuleMetric(learner=user, module=module, name="val_loss"))
            for w in range(weeks):
                runs.append(
                    Run(
                        learner=user,
                        module=modules[w % 3],
                        name=f"run {w}",
                        started_at=datetime.combine(
                            start + timedelta(weeks=w, days=2), clock(15), tzinfo=tz
                        ),
                    )
                )
        PlanItem.objects.bulk_create(items, batch_size=2000)
        ModuleProgress.objects.bulk_create(progress, batch_size=2000)
        CheckpointTick.objects.bulk_create(ticks, batch_size=2000)
        StudySession.objects.bulk_create(sessions, batch_size=2000)
        Failure.objects.bulk_create(failures, batch_size=2000)
        ModuleMetric.objects.bulk_create(primaries, batch_size=2000)
        runs = Run.objects.bulk_create(runs, batch_size=2000)
        for run in runs:
            loss = 3.0 - 0.02 * int(run.name.split()[1]) + rng.random() * 0.3
            metrics.append(RunMetric(run=run, name="val_loss", value=round(loss, 4)))
            metrics.append(RunMetric(run=run, name="accuracy", value=round(1 / loss, 4)))
        RunMetric.objects.bulk_create(metrics, batch_size=2000)
        WeeklySchedule.objects.bulk_create(
            (WeeklySchedule(learner=user, next_send_at=NOW - timedelta(days=1)) for user in users),
            batch_size=2000,
        )
        rows.update(
            {
                "study sessions": len(sessions),
                "ticks": len(ticks),
                "failures": len(failures),
                "runs": len(runs),
                "run metrics": len(metrics),
            }
        )
    return rows
