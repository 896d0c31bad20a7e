"""A paper read from the keyboard: an equation entry with math added to the reading ledger,
moved from "don't understand yet" to "checked — reproduced in code" linked to a run, focus
kept on the entry after each swap, "owned" moving on the module page without a reload and on
the dashboard; and the same ledger without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.experiments.models import Run
from learners.papers.models import Entry, EntryChange
from tests.conftest import log_in
from tests.factories import make_modules, make_paper, make_plan
from tests.test_keyboard_journey import tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_IN = "(id) => !!document.activeElement.closest('#' + id)"


def test_an_equation_is_added_and_checked_in_code_from_the_keyboard(page, live_server, alice):
    paper = make_paper(3)
    make_plan(alice, [*make_modules(2), paper])
    run = Run.objects.create(learner=alice, module=paper, name="sdpa-vs-torch")
    log_in(page, alice, live_server.url)
    page.goto(paper.get_absolute_url())
    expect(page.locator("#ledger-owned")).to_contain_text("Owned 0 of 3")
    page.evaluate("() => { window.notReloaded = true; }")

    # Add an equation of the learner's own, with math, by keyboard only.
    tab_to(page, "select#id_entry-kind")
    page.keyboard.type("Equation")  # a closed select takes the typed option
    page.keyboard.press("Tab")
    page.keyboard.type("Eq. 1")
    page.keyboard.press("Tab")
    page.keyboard.type("$\\mathrm{softmax}(QK^\\top / \\sqrt{d_k})V$, rows over the keys")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#ledger-owned")).to_contain_text("Owned 0 of 4")
    entry = Entry.objects.get(learner=alice, item_key="")
    assert (entry.kind, entry.section) == ("equation", "Eq. 1")
    row = page.locator(f"#entry-{entry.pk}")
    expect(row.locator("math").first).to_be_visible()  # the formula rendered
    assert page.evaluate(FOCUS_IN, "ledger-add"), "focus left the form after the swap"

    # One key press moves it on to "plausible"; focus stays on the entry.
    tab_to(page, "Plausible now: Eq. 1")
    page.keyboard.press("Enter")
    expect(row.locator(".ledger-state")).to_have_text("Plausible")
    assert page.evaluate(FOCUS_IN, f"entry-{entry.pk}"), "focus left the entry after the swap"

    # Checked in code, linked to the run: choose the run, then "In code".
    tab_to(page, f"select#entry-{entry.pk}-run[run]")
    page.keyboard.press("ArrowDown")  # the first run after "— no run —"
    tab_to(page, "button[how] In code")
    page.keyboard.press("Enter")
    expect(row.locator(".ledger-state")).to_have_text("Checked — reproduced in code")
    expect(row.get_by_role("link", name="sdpa-vs-torch")).to_be_visible()
    expect(page.locator("#ledger-owned")).to_contain_text("Owned 1 of 4")
    assert page.evaluate(FOCUS_IN, f"entry-{entry.pk}"), "focus left the entry after the swap"
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"

    entry.refresh_from_db()
    assert (entry.state, entry.how, entry.run_id) == ("checked", "code", run.pk)
    assert EntryChange.objects.filter(entry=entry).count() == 2

    page.goto("/")
    expect(page.locator("#papers-summary")).to_contain_text("Owned 1 of 4")


def test_without_javascript_the_ledger_moves_on_with_plain_forms(browser, live_server, alice):
    paper = make_paper(2)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, alice, live_server.url)
    page.goto(paper.get_absolute_url())
    first = Entry.objects.filter(learner=alice).order_by("item_key").first()
    row = page.locator(f"#entry-{first.pk}")
    row.get_by_role("button", name="Plausible now").click()
    row = page.locator(f"#entry-{first.pk}")
    row.get_by_role("button", name="In a source").click()  # no citation: refused, with why
    expect(page.get_by_text("Name the source that confirms it")).to_be_visible()
    row = page.locator(f"#entry-{first.pk}")
    row.get_by_label("Source (for “in a source”)").fill("Vaswani et al., footnote 4")
    row.get_by_role("button", name="In a source").click()
    expect(page.locator("#ledger-owned")).to_contain_text("Owned 1 of 2")
    first.refresh_from_db()
    assert (first.state, first.citation) == ("checked", "Vaswani et al., footnote 4")
    context.close()
