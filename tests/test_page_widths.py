"""No page scrolls sideways: on a 1280 px screen and a 390 px phone, in the light and the dark
scheme, logged in and out, the document is no wider than the viewport. Long code, formulas,
URLs and tables wrap or scroll inside their own box.

Walked: every main page and form error page (tests/pages.py), and every module of the default
curriculum, by a visitor and by the demo learner (whose pages carry notes, failures and runs).
One context per viewer; each document is loaded once and measured at both widths and in both
schemes (the viewport and the colour scheme change without a reload).
"""

from __future__ import annotations

import pytest

from curriculum.models import Module
from tests.pages import (
    ANONYMOUS,
    DEMO,
    SUBMISSIONS,
    Page,
    build_world,
    by_viewer,
    open_in_browser,
    session_cookie,
)

# A page's width is its markup and styles: the SQLite pass is enough (docs/testing.md).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.engine_independent,
]

WIDTHS = {1280: 900, 390: 844}  # a laptop and a phone: width → height
SCHEMES = ("light", "dark")

# The document's width against the viewport's, and what sticks out past its right edge: the
# innermost elements whose box or content does (an ancestor sticks out only because of them),
# leaving out what a box that scrolls holds (it scrolls inside that box: fine).
MEASURE = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const extent = (element) => {
    const box = element.getBoundingClientRect();
    if (getComputedStyle(element).overflowX !== "visible") return box.right;  // it scrolls
    return Math.max(box.right, box.left + element.scrollWidth);
  };
  const inScroller = (element) => {
    for (let up = element.parentElement; up && up !== root; up = up.parentElement) {
      if (up !== document.body && getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (element) => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
    (typeof element.className === "string" && element.className.trim()
      ? "." + element.className.trim().split(/\\s+/).join(".") : "");
  const all = [...document.body.querySelectorAll("*")].filter((e) => extent(e) > width + 0.5);
  // What a scrolling box holds stays in it, unless it is positioned outside the box's reach
  // (an absolute element whose containing block is further out): then report it all.
  let out = new Set(all.filter((element) => !inScroller(element)));
  if (root.scrollWidth > width && out.size === 0) out = new Set(all);
  const wide = [];
  for (const element of out) {
    if ([...element.children].some((child) => out.has(child))) continue;
    const path = [];
    for (let up = element; up && up !== document.body && path.length < 4; up = up.parentElement) {
      path.unshift(name(up));
    }
    wide.push(`${path.join(" > ")} (to ${Math.round(extent(element))} px)`);
  }
  return {document: root.scrollWidth, viewport: width, wide: wide.slice(0, 3)};
}"""


def module_pages(who: str) -> list[Page]:
    return [
        Page(f"module {slug}", who, f"/modules/{slug}/")
        for slug in Module.objects.active().order_by("slug").values_list("slug", flat=True)
    ]


def overflows(page, item) -> list[str]:
    found = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            measured = page.evaluate(MEASURE)
            if measured["document"] > measured["viewport"]:
                found.append(
                    f"{item} at {width} px, {scheme}: {measured['document']} px wide\n      "
                    + "\n      ".join(measured["wide"])
                )
    return found


def test_no_page_is_wider_than_a_laptop_or_a_phone_in_either_scheme(browser, live_server):
    world = build_world()
    groups = by_viewer(world)
    extra = {ANONYMOUS: module_pages(ANONYMOUS), DEMO: module_pages(DEMO)}
    found: list[str] = []
    checked = 0
    for who, items in groups.items():
        cookie = session_cookie(world, who)
        context = browser.new_context(base_url=live_server.url)
        if cookie:
            from django.conf import settings

            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            for item in [*items, *extra.get(who, [])]:
                page.set_viewport_size({"width": 1280, "height": 900})
                assert open_in_browser(page, item) == item.status, item
                found += overflows(page, item)
                checked += 1
        finally:
            context.close()

    modules = Module.objects.active().count()
    assert modules >= 20  # the default curriculum, every module of it
    assert checked == len(world.pages) + len(SUBMISSIONS) + 2 * modules
    assert found == [], f"{len(found)} pages scroll sideways:\n" + "\n".join(found)


def test_the_measure_finds_a_line_too_long_for_the_phone(browser, live_server):
    # The walk above can fail: an unbreakable line outside any scrolling box widens the page.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto("/login/")
        assert page.evaluate(MEASURE)["document"] == 390
        page.evaluate(
            """() => document.querySelector("main").insertAdjacentHTML(
                 "beforeend", '<p class="nowrap" id="too-long">' + "x".repeat(200) + "</p>")"""
        )
        measured = page.evaluate(MEASURE)
    finally:
        context.close()
    assert measured["document"] > measured["viewport"]
    assert any("p#too-long.nowrap" in line for line in measured["wide"]), measured
