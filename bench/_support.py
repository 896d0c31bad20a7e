"""What every benchmark shares: Django set up on a throwaway database, fresh databases on
demand, the machine's description, and a median over repeated timings."""

from __future__ import annotations

import gc
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_scratch: Path | None = None
_counter = 0


def scratch_dir() -> Path:
    """One temporary folder per run, removed at exit."""
    global _scratch
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="trajectory-bench-"))
        import atexit

        atexit.register(shutil.rmtree, _scratch, ignore_errors=True)
    return _scratch


def setup_django() -> None:
    """django.setup() with DATABASE_URL on a throwaway SQLite file unless it names PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.lower().startswith(("postgres:", "postgresql:", "pgsql:")):
        # Four slashes: an absolute path. Never the developer's own database file.
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch_dir() / 'setup.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.chdir(ROOT)
    import django

    django.setup()


@contextmanager
def fresh_database() -> Iterator[None]:
    """Point the default connection at a new, empty, migrated database; drop it afterwards.

    SQLite: a new file in the scratch folder. PostgreSQL: CREATE DATABASE on the configured
    server (the configured database itself is never written).
    """
    global _counter
    from django.core.management import call_command
    from django.db import connection

    _counter += 1
    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    connection.close()
    if connection.vendor == "sqlite":
        name: str | Path = scratch_dir() / f"bench-{_counter}.sqlite3"
    else:
        name = f"trajectory_bench_{os.getpid()}_{_counter}"
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = original
        if connection.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
        else:
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def timed(function: Callable[[], object]) -> tuple[float, float, object]:
    """(wall seconds, this process's CPU seconds, result) of one call, after a full garbage
    collection so that earlier runs' garbage is not charged to it.

    Wall time is the measure. CPU time is there to tell noise from signal on a shared machine:
    it ignores time spent waiting for other processes (and for a database server)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def median(values: list[float]) -> float:
    return statistics.median(values)


def describe_machine() -> str:
    from django.db import connection

    lines = [
        f"CPU: {_cpu_model()}, {os.cpu_count()} logical CPUs "
        f"({len(os.sched_getaffinity(0))} usable){' in a VM' if _virtualized() else ''}",
        f"RAM: {_meminfo_gib():.1f} GiB",
        f"OS: {_os_name()}, kernel {platform.release()}",
        f"Python {platform.python_version()} ({sys.implementation.name}), "
        + ", ".join(
            f"{package} {version(package)}"
            for package in (
                "django",
                "markdown",
                "pygments",
                "latex2mathml",
                "nh3",
                "pyyaml",
                "psycopg",
            )
        ),
        f"SQLite {_sqlite_version()}",
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        lines.append(f"PostgreSQL {server} (database server for this run)")
    else:
        lines.append("database for this run: SQLite (throwaway files)")
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _virtualized() -> bool:
    try:
        return " hypervisor" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def _meminfo_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _os_name() -> str:
    try:
        return platform.freedesktop_os_release()["PRETTY_NAME"]
    except OSError:
        return platform.platform()


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version
