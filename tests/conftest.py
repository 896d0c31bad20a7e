"""Fixtures shared by the whole suite: fast settings, the cast, and a real Chromium."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ON_CI = os.environ.get("CI", "").lower() == "true"


# --- the live server ------------------------------------------------------------------------


class _OneRequestAtATimeOnSharedSQLite(ThreadedWSGIServer):
    """The live server, answering one request at a time when its threads share the test's
    in-memory SQLite connection (`connections_override`). One sqlite3 connection used from two
    threads at once fails ("bad parameter or other API misuse"): a page's two requests on load
    (the unread count and the inbox's "seen") raced and logged a mentor out mid-journey. The
    lock is per request, not per connection, so a browser's keep-alive connection never holds
    the others up. On PostgreSQL each thread has its own connection: nothing is serialised."""

    _lock = threading.Lock()

    def set_app(self, application) -> None:
        if not self.connections_override:
            return super().set_app(application)
        lock = self._lock

        def one_at_a_time(environ, start_response):
            with lock:
                return application(environ, start_response)

        return super().set_app(one_at_a_time)

    def _close_connections(self) -> None:
        # The shared connections are the test thread's, and it closes them. A request thread
        # still open on a keep-alive connection when the server stops would otherwise try to
        # close them after the sharing ended, and warn with a traceback in a later test.
        shared = self.connections_override or {}
        for connection in connections.all(initialized_only=True):
            if connection.alias not in shared:
                connection.close()


LiveServerThread.server_class = _OneRequestAtATimeOnSharedSQLite


# --- which tests run on which database ------------------------------------------------------

# Fixtures that reach the configured database; a test using none of them (directly or through
# another fixture) runs the same on any database, or brings its own (a gunicorn on a SQLite file
# of its own, a PostgreSQL cluster of its own).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_addoption(parser):
    parser.addoption(
        "--only-database-tests",
        action="store_true",
        help="run only the tests that use the configured database (the second, PostgreSQL pass "
        "of `make test`: the others ran in the SQLite pass and would only run again)",
    )


def uses_the_database(item) -> bool:
    return (
        bool(item.get_closest_marker("django_db"))
        or bool(item.get_closest_marker("configured_database"))
        or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
    )


def runs_on_every_engine(item) -> bool:
    """A test the PostgreSQL pass runs again: it uses the database, and what it checks can
    differ between engines (an `engine_independent` test checks markup, styles and scripts,
    which the same templates render the same from either database)."""
    return uses_the_database(item) and not item.get_closest_marker("engine_independent")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--only-database-tests"):
        return
    kept = [item for item in items if runs_on_every_engine(item)]
    config.hook.pytest_deselected(items=[item for item in items if not runs_on_every_engine(item)])
    items[:] = kept


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Hashing passwords slowly protects real accounts; in tests it only costs time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # collectstatic has not run: serve static files from the finders, unhashed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CURRICULUM_DIR = REPO / "curriculum" / "content"
    # Each test starts uncounted and uncached, as the database starts empty: rate limits count
    # in the default cache (learners/lib/ratelimit.py), and rolled-back tests reuse ids and
    # versions, so no test may see another's cached page sections.
    from django.core.cache import caches

    caches["default"].clear()
    caches["pages"].clear()
    caches["fragments"].clear()
    from learners.plans import state

    state.forget_recent_shapes()


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (its own browser download can't work here)."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: install Debian's 'chromium'"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls our tests make
    # around it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context per test. Any dialog (alert, confirm) fails the test."""
    yield from recording_page(browser, live_server)


def recording_page(browser, live_server, **context_options):
    """A page in a new context whose dialogs are dismissed and kept in `page.dialogs`."""
    context = browser.new_context(base_url=live_server.url, **context_options)
    page = context.new_page()
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.set_default_timeout(10_000)
    yield page
    context.close()


# --- the cast: an owner, another learner, and (by not logging in) an anonymous visitor -------


@pytest.fixture
def alice(db):
    from tests.factories import make_learner

    return make_learner("alice@example.com", display_name="Alice")


@pytest.fixture
def bob(db):
    from tests.factories import make_learner

    return make_learner("bob@example.com", display_name="Bob")


@pytest.fixture
def demo_mentorship(db):
    """What `make run` seeds: the real curriculum, its tracks, the demo learner and their
    mentor. The demo mentor's one mentorship."""
    import io

    from django.core.management import call_command

    from curriculum.seed import seed_lists
    from learners.mentors.demo import MENTOR_EMAIL
    from learners.models import User
    from tests.curriculum_helpers import load

    load(REPO / "curriculum" / "content")
    seed_lists()
    call_command("seed_demo", stdout=io.StringIO())
    return User.objects.get(email=MENTOR_EMAIL).mentoring.get()


def log_in(page, user, base_url: str) -> None:
    """Give the browser a logged-in session for `user`, without going through the form."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )
