"""Two tabs and double clicks, for real: many processes posting at once to gunicorn workers.

The server is gunicorn with several sync worker processes, each with its own PostgreSQL
connection, serving this test's database. The clients are forked processes that each open
their connection first, wait at a barrier, then send the same htmx post a browser would (the
session cookie, the CSRF cookie and header, `HX-Request`, the form's hidden fields) at the same
instant. Afterwards the database must hold no lost update and no duplicate.

PostgreSQL only: SQLite takes one writer at a time and would hide every race tested here.
"""

from __future__ import annotations

import http.client
import itertools
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client

from learners.models import (
    CheckpointTick,
    ConfidenceRating,
    ModuleProgress,
    Note,
    PlanItem,
    Status,
    StatusChange,
    StudySession,
    Timer,
)
from tests.conftest import REPO
from tests.factories import make_learner, make_modules, make_plan

pytestmark = pytest.mark.django_db(transaction=True)

GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 8
TABS = 8  # simultaneous requests in each burst


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL: run under bin/with-postgres")


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn with WORKERS processes on the test database; yields its port."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("concurrency is tested on PostgreSQL: run under bin/with-postgres")
        url = _database_url(connection.settings_dict)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    } | {"DATABASE_URL": url, "EMAIL_URL": "memory:", "DEBUG": "true"}
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(WORKERS), "--timeout", "60"],
            env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(150):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start:\n" + log.read_text())
        # The port opens before any worker has loaded the app; on a busy machine that takes
        # longer than one request's timeout. Wait until a worker answers.
        deadline = time.monotonic() + 120
        while True:
            try:
                if _request(port, "GET", "/health/", cookie="")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn answered no /health/ in 120 s:\n" + log.read_text())
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text()
    assert "Traceback" not in text, text


def _database_url(database: dict) -> str:
    """DATABASE_URL for the test database (config/env.py's format)."""
    quote = urllib.parse.quote
    user = quote(database["USER"] or "")
    if database["PASSWORD"]:
        user += ":" + quote(database["PASSWORD"])
    host = database["HOST"] or ""
    if host.startswith("/"):  # a unix socket folder
        return f"postgres://{user}@/{database['NAME']}?host={quote(host)}"
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{user}@{host}{port}/{database['NAME']}"


class Browser:
    """A logged-in browser's cookies and CSRF token, read from a page the server rendered."""

    def __init__(self, port: int, learner, page: str) -> None:
        client = Client()
        client.force_login(learner)
        self.port = port
        session = client.cookies["sessionid"].value
        status, headers, body = _request(port, "GET", page, cookie=f"sessionid={session}")
        assert status == 200, body[:300]
        csrf = re.search(r"csrftoken=(\w+)", headers.get("Set-Cookie", "")).group(1)
        self.cookie = f"sessionid={session}; csrftoken={csrf}"
        self.token = re.search(r'"x-csrftoken": "(\w+)"', body).group(1)

    def all_at_once(self, posts: list[tuple[str, dict]]) -> list[tuple[int, str]]:
        """Send every (path, form) at the same instant from its own process; (status, body)s."""
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(len(posts))
        answers = context.Queue()
        processes = [
            context.Process(
                target=_post_at_barrier,
                args=(index, self.port, path, form, self.cookie, self.token, barrier, answers),
            )
            for index, (path, form) in enumerate(posts)
        ]
        for process in processes:
            process.start()
        results = dict(answers.get(timeout=60) for _ in processes)
        for process in processes:
            process.join(timeout=30)
        return [results[index] for index in range(len(posts))]


def _request(port: int, method: str, path: str, *, cookie: str, body: str = "", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body, {"Cookie": cookie, **(headers or {})})
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read().decode()


def _post_at_barrier(index, port, path, form, cookie, token, barrier, answers) -> None:
    # In a forked child: plain sockets only, nothing from the parent's database connection.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.connect()  # connected before the barrier, so the requests leave together
    body = urllib.parse.urlencode(form)
    headers = {
        "Cookie": cookie,
        "X-CSRFToken": token,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    barrier.wait(timeout=30)
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        answers.put((index, (response.status, response.read().decode())))
    except Exception as error:  # reported to the test, which fails on it
        answers.put((index, (0, repr(error))))


@pytest.fixture
def world(server):
    """A learner with an active plan of six modules (four checkpoints each), in a browser."""
    learner = make_learner("racer@example.com")
    modules = make_modules(6, checkpoints=4)
    plan = make_plan(learner, modules)
    browser = Browser(server, learner, f"/modules/{modules[0].slug}/")
    return learner, modules, plan, browser


def _statuses(answers) -> list[int]:
    return [status for status, _ in answers]


# --- the harness itself ---------------------------------------------------------------------------


def test_the_requests_really_run_in_parallel_database_transactions(world):
    """While this test holds the module's progress row locked, every status request must be
    inside its own transaction, waiting on that lock, at the same moment."""
    learner, (module, *_), _, browser = world
    progress = ModuleProgress.objects.get(learner=learner, module=module)
    posts = [(f"/modules/{module.slug}/status/", {"status": "done", "page": "module"})] * TABS
    context = multiprocessing.get_context("fork")
    waiting = 0
    with transaction.atomic():
        ModuleProgress.objects.select_for_update().get(pk=progress.pk)
        runner = context.Process(target=browser.all_at_once, args=(posts,))
        runner.start()
        with connection.cursor() as cursor:
            for _ in range(300):
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                waiting = cursor.fetchone()[0]
                if waiting == TABS:
                    break
                time.sleep(0.05)
    runner.join(timeout=60)
    assert waiting == TABS
    assert StatusChange.objects.filter(learner=learner, module=module).count() == 1


# --- checkpoints ----------------------------------------------------------------------------------


def test_a_checkpoint_clicked_in_eight_tabs_at_once_is_ticked_once(world):
    learner, (module, *_), _, browser = world
    path = f"/modules/{module.slug}/checkpoints/c0/"
    answers = browser.all_at_once([(path, {"ticked": "on", "page": "module"})] * TABS)
    assert _statuses(answers) == [200] * TABS
    assert all('name="ticked"' in body and " checked" in body for _, body in answers)
    assert CheckpointTick.objects.filter(learner=learner).count() == 1
    # The first tick starts the module, once.
    changes = StatusChange.objects.filter(learner=learner, module=module)
    assert list(changes.values_list("old_status", "new_status")) == [
        (Status.NOT_STARTED, Status.IN_PROGRESS)
    ]
    assert ModuleProgress.objects.get(learner=learner, module=module).status == Status.IN_PROGRESS


def test_every_checkpoint_ticked_at_once_is_kept_and_starts_the_module_once(world):
    learner, (module, *_), _, browser = world
    posts = [
        (f"/modules/{module.slug}/checkpoints/c{i % 4}/", {"ticked": "on", "page": "module"})
        for i in range(TABS)
    ]
    assert _statuses(browser.all_at_once(posts)) == [200] * TABS
    ticked = CheckpointTick.objects.filter(learner=learner).values_list(
        "checkpoint__key", flat=True
    )
    assert sorted(ticked) == ["c0", "c1", "c2", "c3"]
    assert StatusChange.objects.filter(learner=learner, module=module).count() == 1


def test_unticking_in_eight_tabs_at_once_unticks_once_without_errors(world):
    learner, (module, *_), _, browser = world
    path = f"/modules/{module.slug}/checkpoints/c0/"
    browser.all_at_once([(path, {"ticked": "on", "page": "module"})])
    assert _statuses(browser.all_at_once([(path, {"page": "module"})] * TABS)) == [200] * TABS
    assert not CheckpointTick.objects.filter(learner=learner).exists()


# --- study sessions and notes: the idempotent forms -----------------------------------------------


def _session_form(module, key: str, minutes: int = 30) -> dict:
    return {
        "page": "dashboard",
        "session-date": "",  # filled below: the learner's today
        "session-minutes": str(minutes),
        "session-module": str(module.pk),
        "session-description": "Read the paper again",
        "submission": key,
    }


def test_one_session_form_sent_from_eight_tabs_at_once_logs_it_once(world):
    learner, (module, *_), _, browser = world
    form = _session_form(module, uuid.uuid4().hex) | {"session-date": str(learner.local_today())}
    answers = browser.all_at_once([("/sessions/", form)] * TABS)
    assert _statuses(answers) == [200] * TABS
    # Every tab is told it was logged: the duplicates found the first row.
    assert all("Logged 30 minutes" in body for _, body in answers)
    assert StudySession.objects.filter(learner=learner).count() == 1


def test_eight_different_sessions_logged_at_once_are_all_kept(world):
    learner, (module, *_), _, browser = world
    today = str(learner.local_today())
    posts = [
        ("/sessions/", _session_form(module, uuid.uuid4().hex, i + 1) | {"session-date": today})
        for i in range(TABS)
    ]
    assert _statuses(browser.all_at_once(posts)) == [200] * TABS
    minutes = StudySession.objects.filter(learner=learner).values_list("minutes", flat=True)
    assert sorted(minutes) == list(range(1, TABS + 1))


def _note_form(module, key: str, body: str) -> dict:
    return {"page": "module", "module": module.slug, "body": body, "submission": key}


def test_one_note_form_sent_from_eight_tabs_at_once_saves_it_once(world):
    learner, (module, *_), _, browser = world
    form = _note_form(module, uuid.uuid4().hex, "Attention is a *weighted average*.")
    answers = browser.all_at_once([(f"/modules/{module.slug}/notes/", form)] * TABS)
    assert _statuses(answers) == [200] * TABS
    assert all("Note saved." in body for _, body in answers)
    assert list(Note.objects.filter(learner=learner).values_list("body", flat=True)) == [
        "Attention is a *weighted average*."
    ]


def test_eight_different_notes_saved_at_once_are_all_kept(world):
    learner, (module, *_), _, browser = world
    posts = [
        (f"/modules/{module.slug}/notes/", _note_form(module, uuid.uuid4().hex, f"Note {i}"))
        for i in range(TABS)
    ]
    assert _statuses(browser.all_at_once(posts)) == [200] * TABS
    bodies = Note.objects.filter(learner=learner).values_list("body", flat=True)
    assert sorted(bodies) == [f"Note {i}" for i in range(TABS)]


# --- status and confidence ------------------------------------------------------------------------


def test_the_same_status_chosen_in_eight_tabs_at_once_is_one_change(world):
    learner, (module, *_), _, browser = world
    posts = [(f"/modules/{module.slug}/status/", {"status": "done", "page": "module"})] * TABS
    assert _statuses(browser.all_at_once(posts)) == [200] * TABS
    changes = StatusChange.objects.filter(learner=learner, module=module)
    assert list(changes.values_list("old_status", "new_status")) == [
        (Status.NOT_STARTED, Status.DONE)
    ]
    progress = ModuleProgress.objects.get(learner=learner, module=module)
    assert progress.status == Status.DONE and progress.finished_at and progress.started_at


def _assert_honest_history(learner, module) -> None:
    """In the order they were written, each change starts where the previous one ended, no
    change is a repeat, and the last one is the module's status now."""
    changes = list(
        StatusChange.objects.filter(learner=learner, module=module)
        .order_by("pk")
        .values_list("old_status", "new_status")
    )
    assert changes, "something changed"
    assert changes[0][0] == Status.NOT_STARTED
    for (_, previous_new), (old, _) in itertools.pairwise(changes):
        assert old == previous_new
    assert all(old != new for old, new in changes)
    progress = ModuleProgress.objects.get(learner=learner, module=module)
    assert progress.status == changes[-1][1]
    finished = progress.status in {Status.DONE, Status.SKIPPED}
    assert bool(progress.finished_at) == finished
    if progress.status != Status.SKIPPED:  # skipping keeps whatever start there was
        assert bool(progress.started_at) == (progress.status != Status.NOT_STARTED)


@pytest.mark.parametrize("burst", range(3))
def test_different_statuses_chosen_at_once_leave_an_honest_history(world, burst):
    learner, (module, *_), _, browser = world
    cycle = [Status.IN_PROGRESS, Status.DONE, Status.SKIPPED, Status.NOT_STARTED]
    posts = [
        (f"/modules/{module.slug}/status/", {"status": cycle[(i + burst) % 4], "page": "module"})
        for i in range(TABS)
    ]
    assert _statuses(browser.all_at_once(posts)) == [200] * TABS
    _assert_honest_history(learner, module)


@pytest.mark.parametrize("burst", range(3))
def test_the_same_confidence_chosen_in_eight_tabs_at_once_is_rated_once(world, burst):
    learner, (module, *_), _, browser = world
    posts = [(f"/modules/{module.slug}/confidence/", {"confidence": "4", "page": "module"})] * TABS
    assert _statuses(browser.all_at_once(posts)) == [200] * TABS
    ratings = ConfidenceRating.objects.filter(learner=learner, module=module)
    assert list(ratings.values_list("value", flat=True)) == [4]
    assert ModuleProgress.objects.get(learner=learner, module=module).confidence == 4


@pytest.mark.parametrize("burst", range(3))
def test_different_confidence_ratings_at_once_keep_history_and_current_value_in_step(world, burst):
    learner, (module, *_), _, browser = world
    posts = [
        (
            f"/modules/{module.slug}/confidence/",
            {"confidence": str((i + burst) % 3 + 1), "page": "module"},
        )
        for i in range(TABS)
    ]
    assert _statuses(browser.all_at_once(posts)) == [200] * TABS
    values = list(
        ConfidenceRating.objects.filter(learner=learner, module=module)
        .order_by("pk")
        .values_list("value", flat=True)
    )
    assert all(a != b for a, b in itertools.pairwise(values)), values  # no repeated rating
    assert ModuleProgress.objects.get(learner=learner, module=module).confidence == values[-1]


# --- the plan's order -----------------------------------------------------------------------------


def _order(plan) -> list[int]:
    items = PlanItem.objects.filter(plan=plan).order_by("position")
    positions = list(items.values_list("position", flat=True))
    assert positions == list(range(len(positions))), positions  # dense, no ties
    return list(items.values_list("module_id", flat=True))


def _serially(order: list[int], moves: list[tuple[int, str]]) -> list[int]:
    order = list(order)
    for module_id, direction in moves:
        index = order.index(module_id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
    return order


@pytest.mark.parametrize("burst", range(5))
def test_moves_made_at_once_give_an_order_that_some_serial_order_of_them_gives(world, burst):
    _, _, plan, browser = world
    items = {item.module_id: item.pk for item in PlanItem.objects.filter(plan=plan)}
    start = _order(plan)
    moves = [
        (start[(i + burst) % len(start)], "up" if (i + burst) % 2 else "down")
        for i in range(len(start))
    ]
    posts = [
        (f"/plans/{plan.pk}/items/{items[module_id]}/move/", {"direction": direction})
        for module_id, direction in moves
    ]
    assert _statuses(browser.all_at_once(posts)) == [200] * len(posts)
    possible = {tuple(_serially(start, list(order))) for order in itertools.permutations(moves)}
    assert tuple(_order(plan)) in possible


def test_modules_added_at_once_all_land_at_the_end_in_distinct_places(world):
    _, modules, plan, browser = world
    extra = make_modules(TABS, prefix="extra")
    posts = [(f"/plans/{plan.pk}/items/", {"module": module.slug}) for module in extra]
    assert _statuses(browser.all_at_once(posts)) == [200] * TABS
    order = _order(plan)
    assert order[:6] == [module.pk for module in modules]
    assert sorted(order[6:]) == sorted(module.pk for module in extra)


# --- the timer ------------------------------------------------------------------------------------


def test_stopping_the_timer_in_eight_tabs_at_once_logs_one_session(world):
    from datetime import timedelta

    from django.utils import timezone

    learner, (module, *_), _, browser = world
    Timer.objects.create(
        learner=learner, module=module, started_at=timezone.now() - timedelta(minutes=42)
    )
    answers = browser.all_at_once([("/timer/stop/", {"page": "dashboard"})] * TABS)
    assert _statuses(answers) == [200] * TABS
    assert list(StudySession.objects.filter(learner=learner).values_list("minutes", flat=True)) in (
        [42],
        [43],
    )
    assert not Timer.objects.filter(learner=learner).exists()


# --- a paper's reading ledger ---------------------------------------------------------------------


def test_a_ledger_entry_moved_on_in_eight_tabs_at_once_moves_one_step(world):
    from learners.papers import ledger
    from learners.papers.models import Entry, EntryChange
    from tests.factories import make_paper

    learner, _, _, browser = world
    paper = make_paper(2, slug="racing-paper")
    ledger.for_module(learner, paper)
    entry = Entry.objects.filter(learner=learner, module=paper).order_by("item_key").first()
    posts = [(f"/ledger/{entry.pk}/move/", {"direction": "on", "page": "module"})] * TABS
    statuses = _statuses(browser.all_at_once(posts))
    # One moves it on; the others are told it moved in another tab (422), none fails.
    assert sorted(statuses) == [200] + [422] * (TABS - 1), statuses
    entry.refresh_from_db()
    assert entry.state == "plausible"
    assert EntryChange.objects.filter(entry=entry).count() == 1
