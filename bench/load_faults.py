"""PostgreSQL stopped and started under the learners' load: 503s meanwhile, then recovery.

    bin/with-postgres .venv/bin/python bench/run.py load_faults

The same server and learners as bench/load.py (gunicorn, DEBUG=false, locust with no pause
between clicks). After BENCH_FAULT_BEFORE seconds (10) of load, the cluster bin/with-postgres
started is stopped (`pg_ctl stop -m fast`, what `systemctl stop postgresql` does); it is started
again BENCH_FAULT_DOWN seconds (10) later with the options it had, and the load goes on for
BENCH_FAULT_AFTER seconds (20). gunicorn is never restarted.

Reported from gunicorn's access log, by phase: the status of every request (only 200 and 503
are acceptable); how long after the database was back the last 503 came; and from the server
log, 5xx other than 503 and tracebacks in answers. Then the writes: every session and note
answered 200 is in the database exactly once, and how many answered 503 were saved anyway
(committed before a later query of the same request failed: the 503 page says a save "may not"
have happened, and sending the same form again saves it once).

Needs TRAJECTORY_PG_SOCKET_DIR, which bin/with-postgres sets; skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from bench import _support, load

BEFORE = float(os.environ.get("BENCH_FAULT_BEFORE", "10"))
DOWN = float(os.environ.get("BENCH_FAULT_DOWN", "10"))
AFTER = float(os.environ.get("BENCH_FAULT_AFTER", "20"))


def run() -> None:
    from django.db import connection

    folder = os.environ.get("TRAJECTORY_PG_SOCKET_DIR")
    locust = load.find_locust()
    if connection.vendor != "postgresql" or not folder:
        print("needs the PostgreSQL cluster of bin/with-postgres. Skipped.")
        return
    if locust is None:
        print("locust not found: see bench/load.py. Skipped.")
        return
    cluster = Cluster(Path(folder))
    users = int(os.environ.get("BENCH_LOAD_USERS", "50"))
    workers = int(os.environ.get("BENCH_LOAD_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
    scratch = _support.scratch_dir() / "load_faults"
    scratch.mkdir(exist_ok=True)
    with _support.fresh_database():
        learners = load._seed(users)
        (scratch / "learners.json").write_text(json.dumps(learners))
        url = load._database_url(connection)
        connection.close()
        with load._server(url, workers, scratch) as (base, log, _master):
            print(f"gunicorn: {workers} sync workers, {users} learners; {_support.load_average()}")
            load._locust(locust, "LearnerUser", users, 5, base, scratch, "warmup")
            load._refresh_ticks(learners)
            (scratch / "learners.json").write_text(json.dumps(learners))
            connection.close()
            access = scratch / "access.log"
            mark = access.stat().st_size
            os.environ["BENCH_LOAD_TIMELINE"] = "1"  # the locust users record every request
            phases: list[tuple[str, float]] = []
            result: list = []
            total = BEFORE + DOWN + AFTER
            runner = threading.Thread(
                target=lambda: result.append(
                    load._locust(locust, "LearnerUser", users, int(total), base, scratch, "fault")
                )
            )
            runner.start()
            time.sleep(BEFORE)
            phases.append(("stopping", time.time()))
            cluster.stop()
            phases.append(("stopped", time.time()))
            time.sleep(DOWN)
            phases.append(("starting", time.time()))
            cluster.start()
            phases.append(("started", time.time()))
            runner.join()
            del os.environ["BENCH_LOAD_TIMELINE"]
        served = [(status, method, path) for method, path, status in _access(access, mark)]
        _report(served, dict(phases), log.read_text(), result[0])


class Cluster:
    """bin/with-postgres's cluster: stopped, then started again with the options it had."""

    def __init__(self, folder: Path) -> None:
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        pg_ctl = Path(_postmaster_command(self.data)[0]).with_name("pg_ctl")
        self.pg_ctl = str(pg_ctl)

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self) -> None:
        # postmaster.opts holds the command line of the last start: the same options again.
        command = _postmaster_command(self.data)[1:]
        at = command.index("-D")
        options = command[:at] + command[at + 2 :]  # pg_ctl gives -D itself
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data), "-l", str(self.log),
             "-o", shlex.join(options), "-w", "start"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip


def _postmaster_command(data: Path) -> list[str]:
    return shlex.split((data / "postmaster.opts").read_text())


def _access(access_log: Path, offset: int) -> list[tuple[str, str, int]]:
    """(method, path, status) of every request gunicorn logged from `offset`."""
    with access_log.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode().splitlines()
    return [(m, p, int(s)) for m, p, s, _micros in (line.split() for line in lines)]


def _report(served, phases: dict[str, float], server_log: str, phase) -> None:
    """`phase.state["timeline"]`: (start, end, name, status) of each request, from locust."""
    stopping, stopped = phases["stopping"], phases["stopped"]
    starting, started = phases["starting"], phases["started"]
    timeline = phase.state.get("timeline", [])

    def statuses(rows) -> str:
        counts = Counter(row[3] for row in rows)
        return ", ".join(f"{n} × {status}" for status, n in sorted(counts.items())) or "none"

    before = [r for r in timeline if r[1] < stopping]
    during = [r for r in timeline if r[0] > stopped and r[1] < starting]
    after = [r for r in timeline if r[0] > started]
    edges = [r for r in timeline if r not in before and r not in during and r not in after]
    print(
        f"\nPostgreSQL stopped (fast) after {BEFORE:g} s of load, in {stopped - stopping:.1f} s; "
        f"started again {starting - stopped:.1f} s later, accepting connections in "
        f"{started - starting:.1f} s; {_support.load_average()}"
    )
    print("  answers, by when the request was sent and answered (locust):")
    print(f"    before the stop:                         {statuses(before)}")
    print(f"    overlapping the stop or the start:       {statuses(edges)}")
    print(f"    sent and answered while it was down:     {statuses(during)}")
    print(f"    sent after it was back:                  {statuses(after)}")
    last_503 = max((r[1] for r in timeline if r[3] == 503), default=None)
    if last_503 is not None:
        print(f"  last 503 answered {last_503 - started:+.2f} s after `pg_ctl start` returned")
    other = Counter(status for status, *_ in served if status not in {200, 503})
    boots = server_log.count("Booting worker")
    print(
        f"  gunicorn's access log: {len(served)} requests, {statuses([(0, 0, 0, s) for s, *_ in served])}; "
        f"other statuses: {dict(other) or 'none'}"
    )
    print(
        f"  server log: {server_log.count('Internal Server Error')} 500s, "
        f"{server_log.count('Service Unavailable')} 503s logged; {boots} worker boots "
        f"(the first {boots} at start-up: no worker restarted), "
        f"{server_log.count('Worker exiting')} worker exits (when the benchmark stopped gunicorn)"
    )
    print(_writes(phase.state.get("submissions", {})))


def _writes(submissions: dict[str, int]) -> str:
    from learners.models import Note, StudySession

    stored = Counter()
    for model in (StudySession, Note):
        stored.update(
            model.objects.filter(submission_key__in=list(submissions)).values_list(
                "submission_key", flat=True
            )
        )
    ok = [key for key, status in submissions.items() if status == 200]
    refused = [key for key, status in submissions.items() if status == 503]
    wrong = [key for key in ok if stored[key] != 1]
    return (
        f"  writes: {len(ok)} sessions and notes answered 200, {len(wrong)} of them missing or "
        f"doubled; {len(refused)} answered 503, {sum(stored[key] == 1 for key in refused)} of "
        f"those saved all the same; {sum(n > 1 for n in stored.values())} keys stored twice"
    )
