"""Fixtures shared by the whole suite: fast settings, the cast, and a real Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ON_CI = os.environ.get("CI", "").lower() == "true"


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
    # Rate limits count in the cache (learners/lib/ratelimit.py): each test starts uncounted,
    # as the database starts empty.
    from django.core.cache import cache

    cache.clear()


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
