"""The module page of the default curriculum in Chromium: aligned equations, a visitor's
checkpoint list in one column, and every box that scrolls sideways on a phone within the
keyboard's reach."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import recording_page
from tests.pages import ANONYMOUS, DEMO, FINISHED, IN_PROGRESS, build_world, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The left edge of the "=" in each row of each aligned block (an array's "rl" columns).
EQUALS = """() => [...document.querySelectorAll("#lesson mtable")].map((table) =>
  [...table.querySelectorAll(":scope > mtr")].map((row) => {
    const equals = [...row.querySelectorAll("mo")].find((mo) => mo.textContent.trim() === "=");
    return equals ? equals.getBoundingClientRect().left : null;
  }).filter((left) => left !== null))"""
# A visitor's checkpoints: how each item is laid out, and whether all its parts stay inside it.
CHECKPOINTS = """() => [...document.querySelectorAll(".checkpoint-list > li")].map((item) => {
  const box = item.getBoundingClientRect();
  return {
    text: item.textContent.trim().slice(0, 40),
    display: getComputedStyle(item).display,
    inside: [...item.querySelectorAll("*")].every((part) => {
      const inner = part.getBoundingClientRect();
      return inner.left >= box.left - 0.5 && inner.right <= box.right + 0.5;
    }),
  };
})"""
# What axe's scrollable-region-focusable asks: a box that scrolls is a Tab stop, or holds one.
UNREACHABLE_SCROLLERS = """() => [...document.querySelectorAll("body *")].filter((element) => {
  const style = getComputedStyle(element);
  const scrolls = ["auto", "scroll"].includes(style.overflowX) && element.scrollWidth > element.clientWidth + 1;
  if (!scrolls) return false;
  const focusable = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
  return element.tabIndex < 0 && !element.querySelector(focusable);
}).map((element) => element.tagName.toLowerCase() + "." + (element.className.baseVal ?? element.className))"""


@pytest.fixture
def world():
    return build_world()


def open_as(browser, live_server, world, who: str, width: int = 1280):
    viewport = {"width": width, "height": 900 if width > 400 else 844}
    for page in recording_page(browser, live_server, viewport=viewport):
        if who != ANONYMOUS:
            cookie = session_cookie(world, who)
            page.context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        yield page


def test_the_lstm_equations_line_up_at_their_equals_signs(browser, live_server, world):
    for page in open_as(browser, live_server, world, ANONYMOUS):
        page.goto(f"/modules/{FINISHED}/")
        blocks = page.evaluate(EQUALS)
    assert blocks and len(blocks[0]) == 6  # the six equations of the LSTM cell
    for lefts in blocks:
        # MathML Core ignores columnalign: centred cells put each "=" elsewhere (166 to 245 px).
        assert max(lefts) - min(lefts) < 1, lefts


def test_a_visitors_checkpoints_are_one_column_with_their_code_and_math_inside(
    browser, live_server, world
):
    for page in open_as(browser, live_server, world, ANONYMOUS):
        page.goto(f"/modules/{IN_PROGRESS}/")
        items = page.evaluate(CHECKPOINTS)
    assert len(items) >= 8
    # `display: flex` around bare text made each code and formula a narrow column of its own.
    assert {item["display"] for item in items} == {"list-item"}
    assert [item["text"] for item in items if not item["inside"]] == []


@pytest.mark.parametrize("who", [ANONYMOUS, DEMO])
@pytest.mark.parametrize("slug", [FINISHED, IN_PROGRESS])
def test_every_box_that_scrolls_on_a_phone_is_reachable_by_keyboard(
    browser, live_server, world, who, slug
):
    for page in open_as(browser, live_server, world, who, width=390):
        page.goto(f"/modules/{slug}/")
        page.wait_for_load_state("load")
        unreachable = page.evaluate(UNREACHABLE_SCROLLERS)
        # And when the screen widens so that nothing scrolls, the extra Tab stops go.
        page.set_viewport_size({"width": 1600, "height": 900})
        page.evaluate("() => window.dispatchEvent(new Event('resize'))")
        left_over = page.locator("[data-scroller]").evaluate_all(
            "(boxes) => boxes.filter((box) => box.scrollWidth <= box.clientWidth + 1).length"
        )
    assert unreachable == []
    assert left_over == 0
