"""The database goes away and comes back: a calm 503 meanwhile, and recovery without a restart.

First the choice itself, with real database errors: SQLite's own "database is locked" and
"no such table", raised by sqlite3 and wrapped the way Django wraps them. Then the real thing:
a PostgreSQL cluster of this test's own (started with the same commands as bin/with-postgres),
gunicorn in front of it with DEBUG=false, a learner reading the dashboard and logging sessions
over HTTP while the cluster is stopped and started again under it.
"""

from __future__ import annotations

import contextlib
import glob
import http.cookiejar
import logging
import os
import pwd
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from django.test import Client, override_settings
from django.urls import include, path

from tests.conftest import ON_CI, REPO

GUNICORN = Path(sys.executable).with_name("gunicorn")


# --- which errors are a 503 --------------------------------------------------------------------


def _sqlite_error(tmp_path: Path, sql: str) -> OperationalError:
    """A real sqlite3 error from running `sql`, wrapped as Django wraps it."""
    holder = sqlite3.connect(tmp_path / "db.sqlite3", timeout=0, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock
    other = sqlite3.connect(tmp_path / "db.sqlite3", timeout=0, isolation_level=None)
    try:
        other.execute(sql)
    except sqlite3.Error as error:
        try:
            raise OperationalError(str(error)) from error
        except OperationalError as wrapped:
            return wrapped
    finally:
        other.close()
        holder.close()
    raise AssertionError(f"{sql!r} did not fail")


@pytest.fixture
def raising(tmp_path):
    """A URLconf whose views raise the errors under test."""
    errors = {
        "locked": lambda: _sqlite_error(tmp_path, "BEGIN IMMEDIATE"),
        "no-table": lambda: _sqlite_error(tmp_path, "SELECT * FROM missing"),
        "closed": lambda: InterfaceError("connection already closed"),
        "programming": lambda: ProgrammingError('relation "learners_note" does not exist'),
        "integrity": lambda: IntegrityError("duplicate key value"),
        "bug": lambda: RuntimeError("a bug"),
    }

    def view(request, kind):
        raise errors[kind]()

    urls = type(
        "urls",
        (),
        {
            "urlpatterns": [path("raise/<str:kind>/", view), path("", include("config.urls"))],
            "handler500": "config.unavailable.server_error",
        },
    )
    with override_settings(ROOT_URLCONF=urls):
        yield Client(raise_request_exception=False)


@pytest.mark.parametrize("kind", ["locked", "closed"])
def test_an_unavailable_database_is_a_503_page_with_retry_after(raising, kind, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = raising.get(f"/raise/{kind}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert "Trajectory is briefly unavailable." in response.text
    assert "Traceback" not in response.text
    # Logged like any server error, with the exception, so an outage is seen.
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == f"Service Unavailable: /raise/{kind}/"
    assert record.exc_info is not None


@pytest.mark.parametrize("kind", ["no-table", "programming", "integrity", "bug"])
def test_a_bug_stays_a_500_even_when_the_database_raised_it(raising, kind):
    response = raising.get(f"/raise/{kind}/")
    assert response.status_code == 500
    assert "Something went wrong on our side." in response.text
    assert not response.has_header("Retry-After")


@pytest.mark.django_db
def test_the_503_page_renders_without_the_database(raising, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = raising.get("/raise/locked/")
    assert response.status_code == 503


# --- a real PostgreSQL stopped and started under a running server -------------------------------


def _find_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else shutil.which(name)


class Cluster:
    """A throwaway PostgreSQL cluster on a unix socket, as bin/with-postgres makes one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.run_as: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(folder, user.pw_uid, user.pw_gid)
            os.chmod(folder, 0o755)  # noqa: S103 - the server runs as postgres
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://postgres@/trajectory?host={folder}"

    def init(self) -> None:
        subprocess.run(
            [*self.run_as, _find_bin("initdb"), "-D", str(self.data), "-U", "postgres",
             "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.start()
        subprocess.run(
            [_find_bin("createdb"), "-h", str(self.folder), "-U", "postgres", "trajectory"],
            check=True,
        )

    def start(self) -> None:
        options = (
            f"-k {self.folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        subprocess.run(
            [*self.run_as, _find_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log),
             "-o", options, "-w", "start"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        # fast: what `systemctl stop postgresql` does: roll back open transactions, close every
        # connection, shut down.
        subprocess.run(
            [*self.run_as, _find_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def query(self, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(host=str(self.folder), user="postgres", dbname="trajectory") as db:
            return db.execute(sql, params).fetchall()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SETUP_LEARNER = """
from django.test import Client
from learners.models import User
user = User.objects.create_user("ada@example.com", "a-long-password-123", display_name="Ada")
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value)
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(cluster, base URL, gunicorn's log file, the learner's session id)."""
    if not (_find_bin("initdb") and _find_bin("pg_ctl")):
        message = "PostgreSQL (initdb, pg_ctl) not found: install Debian's 'postgresql'"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    # Not under pytest's tmp folder: it is private to root, and the server runs as postgres.
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="trajectory-pg-")))
    cluster.init()
    port = _free_port()
    folder = tmp_path_factory.mktemp("site")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    } | {
        "DEBUG": "false",
        "SECRET_KEY": "a-production-like-secret-key-for-this-test-only-0123456789abcdef",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": cluster.url,
        "EMAIL_URL": "memory:",
        "STATIC_ROOT": str(folder / "static"),
    }
    manage = [sys.executable, str(REPO / "manage.py")]
    log = folder / "gunicorn.log"
    server = None
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=REPO, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=REPO, check=True)  # fmt: skip
        session_id = subprocess.run(
            [*manage, "shell", "--no-imports", "-c", SETUP_LEARNER],
            env=env, cwd=REPO, check=True, capture_output=True, text=True,
        ).stdout.split()[-1]  # fmt: skip
        with log.open("wb") as sink:
            server = subprocess.Popen(
                [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/health/", timeout=5).close()  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start:\n" + log.read_text())
        yield cluster, base, log, session_id
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped by a failed test
            cluster.stop("immediate")
        shutil.rmtree(cluster.folder, ignore_errors=True)


@dataclass
class Answer:
    started: float
    ended: float
    method: str
    status: int
    body: str
    retry_after: str | None
    key: str | None = None


class Learner:
    """A browser's worth of HTTP: the session cookie, the CSRF cookie and token, htmx headers."""

    def __init__(self, base: str, session_id: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        host = urllib.parse.urlsplit(base).hostname
        if session_id:
            self.jar.set_cookie(_cookie("sessionid", session_id, host))
        self.token = ""

    def get(self, path: str) -> Answer:
        answer = self._send(urllib.request.Request(self.base + path), "GET")  # noqa: S310
        found = re.search(r'data-hx-headers=\'\{"x-csrftoken": "(\w+)"\}\'', answer.body)
        if found:
            self.token = found.group(1)
        return answer

    def log_session(self, key: str) -> Answer:
        form = {
            "page": "dashboard",
            "session-date": time.strftime("%Y-%m-%d", time.gmtime()),
            "session-minutes": "25",
            "session-module": "",
            "session-description": "during the outage drill",
            "submission": key,
        }
        request = urllib.request.Request(  # noqa: S310 - loopback only
            self.base + "/sessions/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"X-CSRFToken": self.token, "HX-Request": "true"},
        )
        answer = self._send(request, "POST")
        answer.key = key
        return answer

    def _send(self, request: urllib.request.Request, method: str) -> Answer:
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=15) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        return Answer(
            started,
            time.monotonic(),
            method,
            status,
            body.decode("utf-8", "replace"),
            headers.get("Retry-After"),
        )


def _cookie(name: str, value: str, domain: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0, name, value, None, False, domain, False, False, "/", True, False, None, False, None,
        None, {},
    )  # fmt: skip


def test_a_postgresql_restart_under_load_gives_503s_then_recovers_without_restarting_the_app(
    site,
):
    cluster, base, log, session_id = site
    learner = Learner(base, session_id)
    first = learner.get("/")
    assert first.status == 200 and learner.token, first.body[:500]

    answers: list[Answer] = []
    stop = threading.Event()

    def load() -> None:
        # A learner who keeps reading the dashboard and logging time: bounded in count and time.
        deadline = time.monotonic() + 90
        while not stop.is_set() and time.monotonic() < deadline and len(answers) < 5000:
            answers.append(learner.get("/"))
            answers.append(learner.log_session(uuid.uuid4().hex))

    def wait_for(count: int, since: float) -> None:
        """Until `count` answers to requests sent after `since` are in (30 s at most)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if sum(a.started > since for a in list(answers)) >= count:
                return
            time.sleep(0.02)

    worker = threading.Thread(target=load)
    worker.start()
    try:
        wait_for(20, since=0)
        stopping = time.monotonic()
        cluster.stop("fast")
        stopped = time.monotonic()
        wait_for(40, since=stopped)
        # A load balancer's check (no session cookie) touches no database: still healthy.
        outage_health = Learner(base, session_id="").get("/health/")
        starting = time.monotonic()
        cluster.start()
        started = time.monotonic()
        wait_for(40, since=started)
    finally:
        stop.set()
        worker.join(timeout=30)

    before = [a for a in answers if a.ended < stopping]
    during = [a for a in answers if a.started > stopped and a.ended < starting]
    after = [a for a in answers if a.started > started]
    assert len(before) >= 20 and len(during) >= 40 and len(after) >= 40
    # Only two answers ever: 200, or 503 while the database is away.
    assert {a.status for a in answers} <= {200, 503}
    assert {a.status for a in before} == {200}
    assert {a.status for a in during} == {503}
    assert (outage_health.status, outage_health.body) == (200, "ok")
    # Back without restarting gunicorn: every request that began after the restart succeeded.
    assert {a.status for a in after} == {200}
    for answer in (a for a in answers if a.status == 503):
        assert answer.retry_after == "30"
        assert "Trajectory is briefly unavailable." in answer.body
        assert "Traceback" not in answer.body and "psycopg" not in answer.body
    assert any("Logged 25 minutes" in a.body for a in after if a.method == "POST")

    # None lost and none doubled: every 200 left its session; resending each refused form (the
    # browser still shows it, with its key) saves those once, however many times it is sent.
    posts = [a for a in answers if a.method == "POST"]
    refused = [a for a in posts if a.status == 503]
    for answer in refused:
        assert learner.log_session(answer.key).status == 200
        assert learner.log_session(answer.key).status == 200
    rows = dict(
        cluster.query(
            "SELECT submission_key, count(*) FROM learners_studysession GROUP BY submission_key"
        )
    )
    assert rows == {a.key: 1 for a in posts}

    server_log = log.read_text()
    assert "Service Unavailable: /" in server_log
    assert "Internal Server Error" not in server_log
    assert "Booting worker" in server_log and "Worker exiting" not in server_log  # no restarts
