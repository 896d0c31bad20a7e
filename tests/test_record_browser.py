"""The record in Chromium: a failure logged from the dashboard reaches the log and the
timeline without reloading the dashboard, survives export and import into a new account; and
hostile failure texts run nothing anywhere they show."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.record.models import Failure
from learners.record.views import FAILURES_PER_PAGE
from tests.conftest import log_in
from tests.factories import make_learner, make_modules, make_plan
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Causal mask off by one"
LESSON = "Test the mask on a 4×4 example before training"


def test_a_failure_logged_on_the_dashboard_travels_through_export_and_import(
    page, browser, live_server, alice
):
    modules = make_modules(3)
    make_plan(alice, modules)
    log_in(page, alice, live_server.url)
    page.goto("/")
    page.evaluate("window.notReloaded = true")

    capture = page.locator("#record-capture")
    capture.get_by_label("Module").select_option(modules[1].slug)
    capture.get_by_label("What went wrong").fill(TITLE)
    capture.get_by_label("Lesson learned (optional)").fill(LESSON)
    capture.get_by_text("What happened, time lost").click()
    capture.get_by_label("Time lost (minutes)").fill("90")
    capture.get_by_role("button", name="Log failure").click()

    recent = page.locator("#record-recent")
    expect(recent).to_contain_text(TITLE)
    expect(recent).to_contain_text(LESSON)
    expect(page.locator('[data-count="lessons-this-plan"]')).to_have_text("1")
    expect(page.locator("#record-capture")).to_contain_text(f"Logged “{TITLE}” with its lesson.")
    expect(page.get_by_label("What went wrong")).to_have_value("")  # ready for the next one
    assert page.evaluate("window.notReloaded") is True

    # The log and the timeline, in another tab, already have it.
    other = page.context.new_page()
    other.goto("/failures/")
    expect(other.locator("#failure-results")).to_contain_text(TITLE)
    expect(other.locator("#failure-results")).to_contain_text(LESSON)
    other.goto("/timeline/")
    expect(other.locator(".kind-failure")).to_contain_text(TITLE)
    expect(other.locator(".kind-lesson")).to_contain_text(LESSON)
    assert page.evaluate("window.notReloaded") is True

    # Export.
    other.goto("/account/data/")
    with other.expect_download() as download:
        other.get_by_role("link", name="Download everything as JSON").click()
    exported = download.value.path()

    # Import into a new account, in a browser of its own.
    carol = make_learner("carol@example.com")
    context = browser.new_context(base_url=live_server.url)
    try:
        fresh = context.new_page()
        log_in(fresh, carol, live_server.url)
        fresh.goto("/account/data/")
        fresh.get_by_label("Export file (.json)").set_input_files(exported)
        fresh.get_by_role("button", name="Import").click()
        fresh.wait_for_url(f"{live_server.url}/")
        expect(fresh.locator(".messages")).to_contain_text("Imported")
        fresh.goto("/failures/")
        item = fresh.locator("#failure-results .failure")
        expect(item).to_have_count(1)
        expect(item).to_contain_text(TITLE)
        expect(item).to_contain_text(LESSON)
        expect(item).to_contain_text("90 min lost")
        fresh.goto("/failures/lessons/")
        expect(fresh.locator("#lesson-results")).to_contain_text(LESSON)
    finally:
        context.close()
    imported = Failure.objects.get(learner=carol)
    assert (imported.title, imported.lesson, imported.module) == (TITLE, LESSON, modules[1])
    assert page.dialogs == []


def test_hostile_failures_and_lessons_run_nothing_in_the_browser(page, live_server, alice):
    modules = make_modules(1)
    make_plan(alice, modules)
    everything = payloads() + HTMX_PAYLOADS
    for payload in everything:
        failure = Failure.objects.create(
            learner=alice,
            module=modules[0],
            title=payload[:200],
            what_happened=payload,
            lesson=payload,
            happened_on=alice.local_today(),
        )
        assert active_content(failure.what_happened_html) == []
        assert active_content(failure.lesson_html) == []
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    log_in(page, alice, live_server.url)

    def visit(url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        for element in page.locator(".prose, .failure-title").all()[:80]:
            if element.is_visible():  # an empty or hidden rendering has nothing to hover
                element.hover()
        page.keyboard.press("Tab")
        page.wait_for_timeout(100)

    for number in range(1, len(everything) // FAILURES_PER_PAGE + 2):
        visit(f"/failures/?page={number}")
        shown = min(FAILURES_PER_PAGE, len(everything) - (number - 1) * FAILURES_PER_PAGE)
        assert page.locator("#failure-results .failure").count() == shown
    visit("/failures/lessons/")
    assert page.locator("#lesson-results .lesson").count() == len(everything)
    visit("/")
    visit(f"/modules/{modules[0].slug}/")
    for failure in Failure.objects.all()[:5]:
        visit(f"/failures/{failure.pk}/")
    # The timeline: each failure is two entries; "Older entries" appends the rest with htmx.
    visit("/timeline/")
    older = page.get_by_role("link", name="Older entries")
    for _ in range(10):
        if not older.count():
            break
        shown = page.locator(".timeline-entry").count()
        older.click()
        expect(page.locator(".timeline-entry")).not_to_have_count(shown)  # appended
    assert page.locator(".timeline-entry").count() == 2 * len(everything)

    assert page.dialogs == []
    assert [url for url in requests if not url.startswith(live_server.url)] == []
    assert [url for url in requests if "/admin/" in url or "/api/" in url] == []


def test_a_common_failure_is_a_one_click_start_on_the_module_page(page, live_server, alice):
    module = make_modules(1)[0]
    module.common_failures = [
        {"title": "Hidden state not detached", "detail": "Memory climbs every batch."}
    ]
    module.save(update_fields=["common_failures"])
    make_plan(alice, [module])
    log_in(page, alice, live_server.url)
    page.goto(f"/modules/{module.slug}/")
    page.evaluate("window.notReloaded = true")

    page.get_by_role("link", name="Hidden state not detached").click()
    capture = page.locator("#record-capture")
    expect(capture.get_by_label("What went wrong")).to_have_value("Hidden state not detached")
    expect(capture.get_by_label("What happened")).to_have_value("Memory climbs every batch.")
    capture.get_by_label("Lesson learned (optional)").fill("Detach at every batch boundary")
    capture.get_by_role("button", name="Log failure").click()

    section = page.locator("#record-module")
    expect(section.locator(".failure")).to_contain_text("Detach at every batch boundary")
    section.get_by_role("button", name="Mark resolved").click()
    expect(section.locator(".failure .badge-ok")).to_have_text("Resolved")
    assert page.evaluate("window.notReloaded") is True
    assert Failure.objects.get().resolved


def test_logging_a_failure_works_without_javascript(browser, live_server, alice):
    module = make_modules(1)[0]
    make_plan(alice, [module])
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, alice, live_server.url)
        page.goto(f"/modules/{module.slug}/")
        capture = page.locator("#record-capture")
        capture.get_by_label("What went wrong").fill("Forgot model.eval()")
        capture.get_by_label("Lesson learned (optional)").fill("Evaluate in eval mode")
        capture.get_by_role("button", name="Log failure").click()
        page.wait_for_url(f"{live_server.url}/modules/{module.slug}/")
        expect(page.locator(".messages")).to_contain_text("Logged “Forgot model.eval()”.")
        expect(page.locator("#record-module")).to_contain_text("Evaluate in eval mode")
        page.locator("#record-module").get_by_role("button", name="Mark resolved").click()
        expect(page.locator("#record-module .badge-ok")).to_have_text("Resolved")
    finally:
        context.close()
