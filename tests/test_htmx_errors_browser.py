"""When an htmx request fails, the page says so (a live region at the top) instead of silently
doing nothing, and the next request that works clears the notice.

The session-expired case is real: the CSRF cookie is gone, so Django refuses the write with
403. The 503 is the answer config/unavailable.py gives while the database is down (that path
is tested for real in tests/test_faults_database.py); here the browser is handed it, as it is
for the dropped connection, which no server can produce on purpose.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.models import StudySession
from tests.conftest import log_in
from tests.factories import make_modules, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dashboard(page, live_server, alice):
    make_plan(alice, make_modules(2))
    log_in(page, alice, live_server.url)
    page.goto("/")
    expect(page.locator("#request-problem")).to_be_hidden()
    return page


def log_minutes(page, minutes: str) -> None:
    page.get_by_role("spinbutton", name="Minutes").fill(minutes)
    page.get_by_role("button", name="Log it").click()


def test_a_server_outage_is_announced_and_the_next_success_clears_it(dashboard, alice):
    page = dashboard
    page.route(
        "**/sessions/",
        lambda route: route.fulfill(status=503, body="<h1>Briefly unavailable</h1>"),
    )
    log_minutes(page, "30")
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Trajectory is unavailable for a moment")
    expect(problem).to_contain_text("nothing was changed")
    # The form keeps what was typed, ready to send again; nothing reached the database.
    expect(page.get_by_role("spinbutton", name="Minutes")).to_have_value("30")
    assert not StudySession.objects.filter(learner=alice).exists()

    page.unroute("**/sessions/")
    page.get_by_role("button", name="Log it").click()
    expect(page.locator("#request-problem")).to_be_hidden()
    expect(page.locator("#request-problem")).to_be_empty()
    assert StudySession.objects.get(learner=alice).minutes == 30


def test_a_dropped_connection_is_announced(dashboard):
    page = dashboard
    page.route("**/sessions/", lambda route: route.abort("connectionrefused"))
    log_minutes(page, "20")
    expect(page.get_by_role("alert")).to_contain_text("couldn’t be reached")


def test_an_ended_session_is_announced_and_nothing_is_saved(dashboard, alice):
    page = dashboard
    page.context.clear_cookies()  # the CSRF cookie goes too: Django answers the write with 403
    log_minutes(page, "45")
    expect(page.get_by_role("alert")).to_contain_text("your session may have ended")
    assert not StudySession.objects.filter(learner=alice).exists()
