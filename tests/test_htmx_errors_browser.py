"""When an htmx request fails, the page says so (a live region at the top) instead of silently
doing nothing, and the next request that works clears the notice.

The ended sessions are real: with only the session cookie gone, the server answers 401 with the
way to log in (learners/middleware.py) rather than a login page for htmx to swap into the
dashboard; with the CSRF cookie gone too, Django refuses the write with 403. The 503 is the answer config/unavailable.py gives while the database is down (that path
is tested for real in tests/test_faults_database.py); here the browser is handed it, as it is
for the dropped connection, which no server can produce on purpose.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.models import ModuleProgress, Status, StudySession
from tests.conftest import log_in
from tests.factories import make_modules, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def modules():
    return make_modules(2)


@pytest.fixture
def dashboard(page, live_server, alice, modules):
    make_plan(alice, modules)
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


def test_a_session_that_ended_says_log_in_again_and_keeps_what_was_typed(dashboard, alice):
    page = dashboard
    page.context.clear_cookies(name="sessionid")  # the CSRF cookie stays: the write gets past it
    page.get_by_label("What I did").fill("Read the LSTM paper, section 3")
    log_minutes(page, "40")
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("your session has ended")
    expect(problem.get_by_role("link", name="Log in (new tab)")).to_have_attribute(
        "href", "/login/?next=%2F"
    )
    # No login page swapped into the dashboard; the form still holds the text.
    expect(
        page.locator("#quick-log form#login-form, #quick-log input[name=password]")
    ).to_have_count(0)
    expect(page.get_by_label("What I did")).to_have_value("Read the LSTM paper, section 3")
    assert not StudySession.objects.filter(learner=alice).exists()


def test_a_refused_choice_keeps_the_control_and_says_why(page, live_server, alice, modules):
    make_plan(alice, modules)
    log_in(page, alice, live_server.url)
    page.goto(modules[0].get_absolute_url())
    # A tampered choice, as only a hand-edited page could send.
    page.locator("#status-done").evaluate("(button) => { button.value = 'finished!'; }")
    page.get_by_role("button", name="Done", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a status")
    expect(page.get_by_role("group", name="Status")).to_be_visible()
    assert not ModuleProgress.objects.filter(learner=alice, status=Status.DONE).exists()
