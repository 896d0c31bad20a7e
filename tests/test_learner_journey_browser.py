"""The core journey in Chromium: sign up, start a plan, drop a module, tick, log time.

With JavaScript the header counts and the hours bar move without a reload; without it, the
same path works through plain forms and redirects.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from learners.models import CheckpointTick, Plan, StudySession
from tests.factories import make_list, make_modules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def track():
    modules = make_modules(3, checkpoints=3)
    return make_list(modules, title="NLP in 12 weeks")


def sign_up(page, email: str) -> None:
    page.goto("/signup/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_label("Password again", exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("/")


def start_plan_dropping_the_second_module(page) -> None:
    page.get_by_role("link", name="Start this plan").click()
    page.get_by_label("What will you build?").fill("A chatbot of my own")
    page.get_by_role("checkbox", name="Module m 0001").uncheck()
    page.get_by_role("button", name="Start the plan").click()
    page.wait_for_url("/")


def header_count(page, name: str) -> str:
    return page.locator(f'[data-count="{name}"]').inner_text()


def test_the_journey_updates_fragments_without_a_reload(page, track):
    sign_up(page, "learner@example.com")
    start_plan_dropping_the_second_module(page)
    expect(page.locator("#plan-header")).to_contain_text("A chatbot of my own")
    assert header_count(page, "checkpoints") == "0"
    assert page.locator("#plan-rest li").count() == 2  # the dropped module is gone
    page.evaluate("window.notReloaded = true")

    next_up = page.locator("#next-up")
    next_up.get_by_role("checkbox").check()
    expect(page.locator('[data-count="checkpoints"]')).to_have_text("1")
    expect(page.locator("#next-up progress")).to_have_attribute("value", "33")
    # The module in progress is Next up's: it is not listed a second time under it.
    expect(page.locator("#next-up")).to_contain_text("Module m 0000")
    expect(page.locator("#next-up .badge")).to_have_text("In progress")
    expect(page.locator("#in-progress")).to_be_hidden()

    page.get_by_role("spinbutton", name="Minutes").fill("90")
    page.get_by_label("What I did").fill("Trained the LSTM")
    page.get_by_role("button", name="Log it").click()
    expect(page.locator('[data-count="hours-week"]')).to_have_text("1.5")
    expect(page.locator("#hours-week progress")).to_have_attribute("value", "15")
    expect(page.locator("#recent-sessions")).to_contain_text("Trained the LSTM")
    expect(page.get_by_role("spinbutton", name="Minutes")).to_have_value(
        "60"
    )  # a fresh form for the next one

    assert page.evaluate("window.notReloaded") is True
    assert page.dialogs == []
    plan = Plan.objects.get()
    assert plan.items.count() == 2
    assert CheckpointTick.objects.count() == 1
    assert StudySession.objects.get().minutes == 90


def test_the_same_journey_works_without_javascript(browser, live_server, track):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_up(page, "nojs@example.com")
        start_plan_dropping_the_second_module(page)
        assert header_count(page, "checkpoints") == "0"

        next_up = page.locator("#next-up")
        next_up.get_by_role("checkbox").check()
        next_up.get_by_role("button", name="Save").click()  # shown only without JavaScript
        page.wait_for_load_state()
        assert header_count(page, "checkpoints") == "1"

        page.get_by_role("spinbutton", name="Minutes").fill("90")
        page.get_by_role("button", name="Log it").click()
        page.wait_for_load_state()
        assert header_count(page, "hours-week") == "1.5"
        expect(page.get_by_text("Logged 90 minutes.")).to_be_visible()
    finally:
        context.close()
    assert CheckpointTick.objects.count() == 1
    assert StudySession.objects.get().minutes == 90


def test_a_running_timer_keeps_its_start_time_and_counts_beside_it(page, live_server, alice, track):
    from tests.conftest import log_in
    from tests.factories import make_plan

    make_plan(alice, [item.module for item in track.items.all()])
    log_in(page, alice, live_server.url)
    page.goto("/")
    page.get_by_role("button", name="Start the timer").click()
    timer = page.locator("#timer")
    expect(timer.locator(".timer-elapsed")).to_contain_text(" so far.")
    started = timer.locator("time").inner_text()
    assert len(started) == 5 and started[2] == ":"  # HH:MM, as the server wrote it
    # "Running since 09:05" stays a time; what has elapsed is said beside it.
    expect(timer.locator("p").first).to_contain_text(f"Running since {started}.")
    expect(timer.locator("p").first).to_contain_text(" min ")
    expect(timer).to_contain_text("a timer stopped within its first minute logs nothing")
    page.get_by_role("button", name="Stop and log").click()
    expect(timer.get_by_role("status")).to_contain_text("under a minute, so nothing was logged")
    assert not StudySession.objects.exists()


def test_the_new_plan_form_says_what_it_needs_as_the_hours_and_modules_change(
    page, live_server, alice, track
):
    from tests.conftest import log_in

    log_in(page, alice, live_server.url)
    page.goto(f"/plans/new/?list={track.slug}")
    hint = page.locator("#plan-hint")
    # Three modules of 2.5 hours: 7.5 hours, so the form offers one week (and a day).
    expect(hint).to_contain_text("About 7 hours a week needed.")
    expect(hint).to_contain_text("The 3 modules you kept come to about 8 hours")
    page.get_by_label("Target end").fill((alice.local_today() + timedelta(days=6)).isoformat())
    page.get_by_label("Hours a week").fill("4")
    page.get_by_label("Hours a week").blur()
    expect(hint).to_contain_text("About 8 hours a week needed.")
    expect(hint).to_contain_text("At the 4 hours a week you chose, they would take until about")
    page.get_by_role("checkbox", name="Module m 0001").uncheck()
    expect(hint).to_contain_text("The 2 modules you kept come to about 5 hours")
    assert not Plan.objects.exists()  # the hint starts nothing
    assert page.url.endswith(f"/plans/new/?list={track.slug}")
