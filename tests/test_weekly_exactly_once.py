"""Exactly once, with real processes: sender processes (`manage.py send_weekly_progress`) against
a real database they share — a temporary SQLite file, and PostgreSQL when DATABASE_URL names it
(`bin/with-postgres`) — and a loopback SMTP server that records every message.

What a SIGKILL can cost, exactly: the message being handed to the SMTP server at that instant.
Its row says `sending`; nobody can know whether the server took it, so a later run marks it
`unknown` and never resends it. The tests kill a sender at both sides of that instant (before and
after the server accepts) and at an arbitrary moment, and check that nobody gets two emails and
nobody but that one learner gets none.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from learners.weekly.sink import Behaviour, SmtpSink

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 9, 8, tzinfo=UTC)
LATER = NOW + timedelta(minutes=20)  # past the 15-minute lease on in-flight rows
LEARNERS = 500
KILLED_RUN = 200  # learners in the SIGKILL tests: enough for a kill well inside the run
PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.lower().startswith(("postgres:", "postgresql:", "pgsql:"))
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.skipif(
                not ON_POSTGRES,
                reason="DATABASE_URL is not PostgreSQL (run under bin/with-postgres)",
            ),
            # It reaches DATABASE_URL's server itself: the PostgreSQL pass must keep it.
            pytest.mark.configured_database,
        ],
    ),
]


# --- a database of their own for the sender processes ------------------------------------------


class ExternalDatabase:
    """A migrated database outside pytest-django's: a SQLite file, or a PostgreSQL database on
    the server DATABASE_URL points at. `clone()` gives each test a fresh copy."""

    def __init__(self, vendor: str, folder: Path) -> None:
        self.vendor, self.folder = vendor, folder
        self.clones: list[str] = []
        if vendor == "sqlite":
            self.template = str(folder / "template.sqlite3")
        else:
            self.template = f"weekly_template_{os.getpid()}"
            self._admin(f'CREATE DATABASE "{self.template}"')
        migrate = run_manage(["migrate", "--noinput", "-v", "0"], self.url(self.template))
        assert migrate.returncode == 0, migrate.stderr

    def url(self, name: str) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{name}"  # an absolute path: four slashes in all
        return urlunsplit(urlsplit(PG_URL)._replace(path=f"/{name}"))

    def clone(self) -> str:
        number = len(self.clones)
        if self.vendor == "sqlite":
            name = str(self.folder / f"clone-{number}.sqlite3")
            shutil.copyfile(self.template, name)
        else:
            name = f"{self.template}_{number}"
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.clones.append(name)
        return self.url(name)

    def rows(self, url: str, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
                return connection.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(**self._params(urlsplit(url).path.lstrip("/"))) as connection:
            return connection.execute(sql).fetchall()

    def drop(self) -> None:
        if self.vendor == "postgresql":
            for name in [*self.clones, self.template]:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _params(self, name: str) -> dict:
        from config.env import parse_database_url

        settings = parse_database_url(PG_URL, base_dir=REPO)
        params = {"dbname": name, "user": settings["USER"] or None, "host": settings["HOST"]}
        if settings["PORT"]:
            params["port"] = settings["PORT"]
        if settings["PASSWORD"]:
            params["password"] = settings["PASSWORD"]
        return params

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(**self._params("postgres"), autocommit=True) as connection:
            connection.execute(sql)


@pytest.fixture(scope="module", params=BACKENDS)
def database(request, tmp_path_factory):
    external = ExternalDatabase(request.param, tmp_path_factory.mktemp("weekly-db"))
    yield external
    external.drop()


def environment(database_url: str, email_url: str = "console:") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        EMAIL_URL=email_url,
        SITE_URL="https://trajectory.example.com",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def run_manage(args: list[str], database_url: str, email_url: str = "console:"):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment(database_url, email_url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def sender(database_url: str, sink: SmtpSink, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_weekly_progress", *args],
        cwd=REPO,
        env=environment(database_url, sink.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def populate(count: int, due: str) -> None:
    """`count` learners with an active plan and a study session, all due at `due`. Run inside
    a process set up on the external database (see `seed`)."""
    from learners.models import Plan, PlanItem, StudySession, User
    from learners.weekly.models import WeeklySchedule
    from tests.factories import make_modules

    modules = make_modules(3)
    users = User.objects.bulk_create(
        User(email=f"learner{i:04d}@example.com", display_name=f"Learner {i}") for i in range(count)
    )
    plans = Plan.objects.bulk_create(
        Plan(
            learner=user,
            goal="Build a chatbot",
            start_date=date(2026, 1, 5),
            target_end=date(2026, 5, 31),
            weekly_hours=Decimal(8),
        )
        for user in users
    )
    PlanItem.objects.bulk_create(
        PlanItem(plan=plan, module=module, position=position)
        for plan in plans
        for position, module in enumerate(modules)
    )
    StudySession.objects.bulk_create(
        StudySession(learner=user, date=date(2026, 3, 3), minutes=30 + i % 300)
        for i, user in enumerate(users)
    )
    WeeklySchedule.objects.bulk_create(
        WeeklySchedule(learner=user, next_send_at=datetime.fromisoformat(due)) for user in users
    )


def seed(database_url: str, count: int, due: datetime) -> None:
    code = (
        "import django; django.setup(); "
        "from tests.test_weekly_exactly_once import populate; "
        f"populate({count}, {due.isoformat()!r})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=environment(database_url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def statuses(database: ExternalDatabase, url: str) -> dict[str, str]:
    rows = database.rows(
        url,
        "SELECT u.email, e.status FROM weekly_weeklyemail e "
        "JOIN learners_user u ON u.id = e.learner_id",
    )
    return dict(rows)


def all_learners(count: int = LEARNERS) -> set[str]:
    return {f"learner{i:04d}@example.com" for i in range(count)}


def sent_count(output: str) -> int:
    return int(output.split(": sent ", 1)[1].split(",")[0].split()[0])


# --- two senders at once -------------------------------------------------------------------------


def test_two_senders_at_once_send_each_learner_exactly_one_email(database):
    url = database.clone()
    seed(url, LEARNERS, NOW)
    # A few milliseconds per message keeps both senders busy at the same time.
    with SmtpSink(Behaviour(delay=0.004)) as sink:
        first = sender(url, sink, "--now", NOW.isoformat())
        second = sender(url, sink, "--now", NOW.isoformat())
        outputs = [process.communicate(timeout=600) for process in (first, second)]
    for process, (_, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err
    received = sink.received_by()
    assert set(received) == all_learners()
    assert set(received.values()) == {1}
    assert len(sink.messages) == LEARNERS
    counts = [sent_count(out) for out, _ in outputs]
    assert sum(counts) == LEARNERS
    assert min(counts) > 0, f"the senders did not overlap: {counts}"
    assert Counter(statuses(database, url).values()) == {"sent": LEARNERS}
    due_later = database.rows(url, "SELECT DISTINCT next_send_at FROM weekly_weeklyschedule")
    assert len(due_later) == 1  # everyone moved on to the same next Monday


# --- a sender killed mid-run ----------------------------------------------------------------------


def kill_and_rerun(database: ExternalDatabase, behaviour_for) -> tuple:
    """Start a sender; `behaviour_for(kill)` arranges when the sink calls kill(). Then run a
    sender again after the lease. Returns (received counts, statuses, rerun output, victim)."""
    url = database.clone()
    seed(url, KILLED_RUN, NOW)
    process: dict[str, subprocess.Popen] = {}
    victim: list[tuple[str, ...]] = []

    def kill(recipients: tuple[str, ...] = ()) -> None:
        if not victim:
            victim.append(recipients)
            os.kill(process["sender"].pid, signal.SIGKILL)

    with SmtpSink(behaviour_for(kill)) as sink:
        process["sender"] = sender(url, sink, "--now", NOW.isoformat())
        process["sender"].communicate(timeout=600)
        assert process["sender"].returncode == -signal.SIGKILL
        assert victim, "the sender finished before it could be killed"
        killed_at = len(sink.messages)
        assert 0 < killed_at < KILLED_RUN
        again = sender(url, sink, "--now", LATER.isoformat())
        out, err = again.communicate(timeout=600)
        assert again.returncode == 0, err
    return sink.received_by(), statuses(database, url), out, victim[0]


def test_killed_before_the_server_accepts_loses_exactly_that_message(database):
    def behaviour(kill):
        def before_accept(number, recipients):
            if number == 80:
                kill(recipients)
                return "421 4.3.2 Shutting down"
            return None

        return Behaviour(before_accept=before_accept)

    received, status, out, (victim,) = kill_and_rerun(database, behaviour)
    # The one message in flight is lost: the server never took it, and its row, `sending` at
    # the kill, is marked unknown and never resent.
    assert "in doubt, marked unknown 1" in out
    assert status[victim] == "unknown"
    assert victim not in received
    assert set(received) == all_learners(KILLED_RUN) - {victim}
    assert set(received.values()) == {1}
    assert Counter(status.values()) == {"sent": KILLED_RUN - 1, "unknown": 1}


def test_killed_after_the_server_accepts_sends_nobody_two(database):
    def behaviour(kill):
        return Behaviour(after_accept=lambda number, recipients: number == 80 and kill(recipients))

    received, status, out, (victim,) = kill_and_rerun(database, behaviour)
    # Delivered, but the sender died before recording it: in doubt, so not sent again.
    assert "in doubt, marked unknown 1" in out
    assert status[victim] == "unknown"
    assert received[victim] == 1
    assert set(received) == all_learners(KILLED_RUN)
    assert set(received.values()) == {1}
    assert Counter(status.values()) == {"sent": KILLED_RUN - 1, "unknown": 1}


def test_killed_at_an_arbitrary_moment_nobody_gets_two_and_at_most_one_is_in_doubt(database):
    def behaviour(kill):
        # Killed from another thread while the sender is anywhere in its loop: claiming,
        # building, talking SMTP or recording.
        def after_accept(number, recipients):
            if number == 60:
                threading.Thread(target=lambda: (time.sleep(0.0137), kill()), daemon=True).start()

        return Behaviour(after_accept=after_accept)

    received, status, out, _ = kill_and_rerun(database, behaviour)
    assert max(received.values()) == 1
    in_doubt = {email for email, value in status.items() if value == "unknown"}
    assert len(in_doubt) <= 1
    assert ("in doubt, marked unknown 1" in out) == bool(in_doubt)
    assert set(received) | in_doubt == all_learners(KILLED_RUN)
    assert Counter(status.values())["sent"] + len(in_doubt) == KILLED_RUN
    assert not {value for value in status.values()} - {"sent", "unknown"}


# --- --loop stops cleanly on SIGTERM ----------------------------------------------------------------


def test_loop_finishes_the_learner_in_hand_on_sigterm_and_exits(database):
    url = database.clone()
    real_now = datetime.now(UTC)
    seed(url, 60, real_now - timedelta(hours=1))
    with SmtpSink(Behaviour(delay=0.02)) as sink:
        looping = sender(url, sink, "--loop", "--interval", "0.5")
        deadline = time.monotonic() + 60
        while len(sink.messages) < 15 and time.monotonic() < deadline:
            time.sleep(0.01)
        looping.send_signal(signal.SIGTERM)
        out, err = looping.communicate(timeout=30)
        assert looping.returncode == 0, err
        assert "stopped early" in out and out.rstrip().endswith("Stopped.")
        stopped_at = len(sink.messages)
        assert 15 <= stopped_at < 60
        status = statuses(database, url)
        # Nothing left half-done: every claimed email was sent before it exited.
        assert Counter(status.values()) == {"sent": stopped_at}
        once = sender(url, sink)
        out, err = once.communicate(timeout=120)
        assert once.returncode == 0, err
    assert len(sink.messages) == 60
    assert set(sink.received_by().values()) == {1}
