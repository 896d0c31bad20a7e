"""The core journey with the keyboard only: log in, start a plan, tick a checkpoint, log a
session (after a mistake), log a failure. No mouse: `page.keyboard` presses and types, nothing
is clicked or filled.

On each page of the way: the first Tab reaches the skip link, Enter takes focus to the main
content, Tab reaches every control in document order, each shows a visible focus ring, and
every field has a label.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.models import CheckpointTick, Plan, StudySession
from learners.record.models import Failure
from tests.factories import make_list, make_modules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Run in the page with page.evaluate. TAB_STOPS numbers the controls it lists
# (data-tab-stop), so that DESCRIBE tells two links with the same text apart.
DESCRIBE = """(element) => {
  if (!element || element === document.body) return "body";
  const text = (element.getAttribute("aria-label") || element.textContent || "").trim();
  const checkable = element.type === "checkbox" || element.type === "radio";
  const tag = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
              (element.name ? "[" + element.name + (checkable ? "=" + element.value : "") + "]" : "");
  const stop = element.dataset.tabStop === undefined ? "" : `${element.dataset.tabStop}: `;
  return `${stop}${tag} ${text.slice(0, 40)}`.trim();
}"""
FOCUSED = f"() => ({DESCRIBE})(document.activeElement)"
# Every element Tab should reach, in document order: visible, enabled, not tabindex=-1, and
# one stop per radio group (its checked button, or its first).
TAB_STOPS = f"""() => {{
  const describe = {DESCRIBE};
  const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, ' +
                   'summary, iframe, [tabindex]';
  const stops = [], groups = new Set();
  for (const element of document.querySelectorAll(selector)) {{
    if (element.disabled || element.tabIndex < 0) continue;
    // Not rendered: display none, visibility hidden, or inside a closed <details>.
    if (!element.checkVisibility({{visibilityProperty: true}})) continue;
    if (element.type === "radio") {{
      if (groups.has(element.name)) continue;
      groups.add(element.name);
      const group = [...element.form.elements].filter(e => e.name === element.name);
      const stop = group.find(e => e.checked) || group[0];
      stop.dataset.tabStop = stops.length;
      stops.push(describe(stop));
      continue;
    }}
    element.dataset.tabStop = stops.length;  // numbered, so two "Edit" links differ
    stops.push(describe(element));
  }}
  return stops;
}}"""
# A focus ring you can see: an outline or a box-shadow on the element, or (for an input drawn
# invisible over a styled span, like the confidence scale) on the element drawn for it.
FOCUS_RING = """() => {
  const element = document.activeElement;
  if (!element.matches(":focus-visible, :focus-within")) return false;
  const ring = (e) => {
    if (!e) return false;
    const style = getComputedStyle(e);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    return (outline || style.boxShadow !== "none") && style.opacity !== "0";
  };
  return ring(element) || ring(element.nextElementSibling);
}"""
UNLABELLED = """() => [...document.querySelectorAll(
    'input:not([type="hidden"]):not([type="submit"]):not([type="button"]), select, textarea')]
  .filter(e => !e.labels.length && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby"))
  .map(e => e.outerHTML.slice(0, 120))"""
POSITIVE_TABINDEX = """() => [...document.querySelectorAll("[tabindex]")]
  .filter(e => e.tabIndex > 0).map(e => e.outerHTML.slice(0, 80))"""
SKIP_LINK_ON_SCREEN = """() => {
  const box = document.activeElement.getBoundingClientRect();
  return box.left >= 0 && box.top >= 0 && box.width > 0 && box.height > 0;
}"""


@pytest.fixture
def track():
    modules = make_modules(3, checkpoints=3)
    return make_list(modules, title="NLP in 12 weeks")


def from_the_top(page) -> None:
    """Start Tab from the top of the document, as on arriving at a page without autofocus.

    An empty span before everything else takes focus (tabindex -1: never a Tab stop itself),
    so the next Tab goes to the first control. Django's login and password forms autofocus
    their first field, which a keyboard user then types into directly; their tab order is
    still checked from the top.
    """
    page.evaluate(
        """() => {
          let start = document.getElementById("keyboard-start");
          if (!start) {
            start = document.createElement("span");
            start.id = "keyboard-start";
            start.tabIndex = -1;
            document.body.prepend(start);
          }
          start.focus();
          window.scrollTo(0, 0);
        }"""
    )


def tab(page, times: int = 1) -> str:
    for _ in range(times):
        page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


def tab_to(page, wanted: str) -> None:
    """Tab forward until the focused element's description contains `wanted`."""
    seen = []
    for _ in range(200):
        seen.append(tab(page))
        if wanted in seen[-1]:
            return
    pytest.fail(f"Tab never reached {wanted!r}; it went through {seen}")


def audit(page) -> None:
    """Skip link first, Enter into main, then every control in order with a visible ring."""
    assert page.evaluate(UNLABELLED) == [], f"fields without a label at {page.url}"
    assert page.evaluate(POSITIVE_TABINDEX) == [], "a positive tabindex reorders the page"

    from_the_top(page)
    stops = page.evaluate(TAB_STOPS)
    assert stops[0] == "0: a Skip to content", page.url
    assert tab(page) == stops[0], page.url
    assert page.evaluate(FOCUS_RING), "the skip link shows no focus ring"
    assert page.evaluate(SKIP_LINK_ON_SCREEN), "the skip link stays off screen when focused"

    # A date field takes several presses (its day, month, year and picker): one stop here.
    reached = [stops[0]]
    for _ in range(5 * len(stops)):
        focused = tab(page)
        if focused in {"body", stops[0]}:
            break  # past the last control (out of the page, or round to the top again)
        assert page.evaluate(FOCUS_RING), f"no visible focus on {focused} at {page.url}"
        if focused != reached[-1]:
            reached.append(focused)
    assert reached == stops, f"{page.url}\n{reached}\n{stops}"

    # Back to the top: the skip link's Enter moves focus to main, and Tab goes on from there.
    from_the_top(page)
    assert tab(page) == stops[0]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    first_in_main = page.evaluate(
        f"""() => {{
          const stops = ({TAB_STOPS})();
          const describe = {DESCRIBE};
          const inMain = [...document.querySelectorAll("main *")].map(describe);
          return stops.find(stop => inMain.includes(stop));
        }}"""
    )
    assert tab(page) == first_in_main


def press_and_wait_for(page, key: str, url_part: str) -> None:
    """Press `key` and wait for the POST it sends (a form or an htmx request) to be answered."""
    with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"):
        page.keyboard.press(key)


def test_the_core_journey_works_with_the_keyboard_alone(page, alice, track):
    # Log in.
    page.goto("/login/")
    audit(page)
    page.goto("/login/")
    # The email field has focus on arrival (autofocus): type straight away.
    assert page.evaluate(FOCUSED).startswith("input#id_username")
    page.keyboard.type("alice@example.com")
    assert tab(page).startswith("input#id_password")
    page.keyboard.type("a-long-password-123")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Alice")

    # Start a plan from the track, keeping every module.
    audit(page)
    tab_to(page, "Start this plan")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit(page)
    tab_to(page, "[goal]")
    page.keyboard.type("A chatbot of my own")
    tab_to(page, "Start the plan")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#plan-header")).to_contain_text("A chatbot of my own")
    audit(page)

    # Tick the next checkpoint: Space on its box. "Next up" moves on to the following
    # checkpoint, and the keyboard goes with it, not back to the top of the page.
    tab_to(page, "[ticked=")
    ticked = page.evaluate("document.activeElement.id")
    press_and_wait_for(page, " ", "/checkpoints/")
    expect(page.locator('[data-count="checkpoints"]')).to_have_text("1")
    expect(page.locator("#next-up input[type=checkbox]")).not_to_have_id(ticked)
    expect(page.locator("#next-up input[type=checkbox]")).to_be_focused()

    # Log a session: a mistake first (no minutes), sent with Enter from the description.
    tab_to(page, "[session-minutes]")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Backspace")
    tab_to(page, "[session-description]")
    page.keyboard.type("Trained the LSTM")
    press_and_wait_for(page, "Enter", "/sessions/")
    expect(page.locator("#quick-log .errorlist")).to_be_visible()
    # The keyboard is taken to the field to fix, and its error is read with it.
    assert page.evaluate(FOCUSED).startswith("input#id_session-minutes")
    assert (
        page.evaluate(
            "document.getElementById(document.activeElement.getAttribute('aria-describedby'))"
            ".textContent"
        )
        == "This field is required."
    )
    page.keyboard.type("90")
    press_and_wait_for(page, "Enter", "/sessions/")
    expect(page.locator('[data-count="hours-week"]')).to_have_text("1.5")
    expect(page.locator("#recent-sessions")).to_contain_text("Trained the LSTM")

    # Log a failure from the dashboard's capture form.
    tab_to(page, "[capture-module]")
    page.keyboard.press("ArrowDown")  # the first module of the plan
    tab_to(page, "[capture-title]")
    page.keyboard.type("Hidden state not detached")
    press_and_wait_for(page, "Enter", "/failures/capture/")
    expect(page.locator("#record-capture")).to_contain_text("Logged “Hidden state not detached”")
    audit(page)

    assert page.dialogs == []
    plan = Plan.objects.get()
    assert plan.goal == "A chatbot of my own"
    assert plan.items.count() == 3
    assert CheckpointTick.objects.filter(learner=alice).count() == 1
    assert StudySession.objects.get(learner=alice).minutes == 90
    assert Failure.objects.get(learner=alice).title == "Hidden state not detached"


def test_the_audit_catches_a_jump_in_the_tab_order_a_missing_label_and_a_hidden_ring(page, alice):
    # The checks above can fail.
    page.goto("/login/")
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
             "afterbegin", '<a href="/" tabindex="3">jumps the queue</a>')"""
    )
    with pytest.raises(AssertionError, match="a positive tabindex reorders the page"):
        audit(page)

    page.goto("/login/")
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
             "beforeend", '<input type="text" name="nameless">')"""
    )
    with pytest.raises(AssertionError, match="nameless"):
        audit(page)

    page.goto("/login/")
    page.evaluate(
        """() => document.querySelector(".skip-link").style.setProperty(
             "outline", "none", "important")"""
    )
    with pytest.raises(AssertionError, match="the skip link shows no focus ring"):
        audit(page)


LESSON = """---
slug: keyboard-lm
title: A language model by keyboard
hours: 4
---

# A language model by keyboard

Read, then build.

## Why it matters

Because.

## Deliverable

- [ ] A first checkpoint {#first}
- [ ] A second checkpoint {#second}
- [ ] A third checkpoint {#third}

## Steps

Do it.
"""
# Where the first stop inside the module text stands in the tab order, and those of the
# learner's controls.
STOP_INDEX = f"""(selector) => {{
  ({TAB_STOPS})();  // numbers every stop (data-tab-stop)
  const element = document.querySelector(selector);
  return element ? Number(element.dataset.tabStop) : -1;
}}"""


def press_and_settle(page, key: str) -> None:
    """Press `key` and wait until the htmx request it sends is answered, swapped and settled
    (htmx wires up swapped-in forms as they settle: a key pressed sooner would post plainly)."""
    settled = page.evaluate_handle(
        """() => ({done: new Promise((resolve) => {
             document.addEventListener("htmx:beforeRequest", (started) => {
               const settled = (event) => {
                 if (event.detail.xhr !== started.detail.xhr) return;
                 document.removeEventListener("htmx:afterSettle", settled);
                 resolve();
               };
               document.addEventListener("htmx:afterSettle", settled);
             }, {once: true});
           })})"""
    )
    page.keyboard.press(key)
    page.evaluate(
        """(settled) => Promise.race([
             settled.done.then(() => true),
             new Promise((_, reject) => setTimeout(
               () => reject(new Error("no htmx request settled within 10 s")), 10000)),
           ])""",
        settled,
    )


def test_the_module_pages_status_and_confidence_are_chosen_not_passed_by(
    page, alice, live_server, tmp_path
):
    from curriculum.models import Module
    from learners.models import ConfidenceRating, ModuleProgress, StatusChange
    from tests.conftest import log_in
    from tests.curriculum_helpers import load, write
    from tests.factories import make_plan

    write(tmp_path, "keyboard.md", LESSON)
    assert load(tmp_path).status == 0
    module = Module.objects.get(slug="keyboard-lm")
    make_plan(alice, [module])
    log_in(page, alice, live_server.url)
    page.goto(module.get_absolute_url())
    audit(page)  # every control reached in order, each with a visible ring

    # The learner's controls come before the text's links (its "#" section links included),
    # early in the page; every section link has a name to say.
    from_the_top(page)
    status = page.evaluate(STOP_INDEX, "#status-not_started")
    first_in_text = page.evaluate(STOP_INDEX, "#lesson a")
    assert 0 < status < first_in_text, (status, first_in_text)
    assert status <= 15, status
    assert page.locator("#lesson a.anchor:not([aria-label^='Link to “'])").count() == 0

    # Status: arrow keys on a choice save nothing; Enter on "Done" saves it, once, and the
    # keyboard stays on it.
    from_the_top(page)
    tab_to(page, "button#status-not_started")
    for key in ("ArrowRight", "ArrowDown", "ArrowRight", "ArrowLeft", "ArrowUp"):
        page.keyboard.press(key)
    tab_to(page, "button#status-done")
    assert not StatusChange.objects.filter(learner=alice).exists()
    press_and_settle(page, "Enter")
    expect(page.locator("#status-done")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#status-done")).to_be_focused()
    expect(page.locator("#status-note")).to_have_text(
        "Done counts all 3 checkpoints as finished; 0 of them are ticked."
    )
    assert list(
        StatusChange.objects.filter(learner=alice).values_list("new_status", flat=True)
    ) == ["done"]

    # Confidence: the same, with Space.
    tab_to(page, "button#confidence-1")
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "End", "Home"):
        page.keyboard.press(key)
    assert not ConfidenceRating.objects.filter(learner=alice).exists()
    tab_to(page, "button#confidence-4")
    press_and_settle(page, " ")
    expect(page.locator("#confidence-4")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#confidence-4")).to_be_focused()
    assert list(ConfidenceRating.objects.filter(learner=alice).values_list("value", flat=True)) == [
        4
    ]
    # A second press of the chosen value records nothing new, and focus still stays.
    press_and_settle(page, "Enter")
    expect(page.locator("#confidence-4")).to_be_focused()
    assert ConfidenceRating.objects.filter(learner=alice).count() == 1

    # Ticking a checkpoint keeps the keyboard on its box, and the text's list follows.
    tab_to(page, "[ticked=")
    box = page.evaluate("document.activeElement.id")
    press_and_settle(page, " ")
    expect(page.locator(f"#{box}")).to_be_focused()
    expect(page.locator("#lesson .task-mark.is-ticked")).to_have_count(1)
    assert ModuleProgress.objects.get(learner=alice).status == "done"
    assert page.dialogs == []
