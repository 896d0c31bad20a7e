"""The dashboard as the demo learner sees it in Chromium, wide and on a phone: two columns that
end near each other, titles that look like the links they are with their badge beside them,
and a header that takes two lines on a phone, not three."""

from __future__ import annotations

import pytest

from tests.conftest import recording_page
from tests.pages import DEMO, build_world, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where each column's last shown section ends, in page coordinates.
COLUMN_ENDS = """() => Object.fromEntries(
  [".dashboard-rest", ".dashboard-side"].map((selector) => {
    const children = [...document.querySelector(selector).children].filter((e) => !e.hidden);
    return [selector, children.at(-1).getBoundingClientRect().bottom + scrollY];
  }))"""
# Each module row's title link: does it look like a link, and is its badge on its first line?
ROWS = """() => [...document.querySelectorAll(".module-row, .next-title")].map((row) => {
  const link = row.querySelector("a"), badge = row.querySelector(".badge");
  const style = getComputedStyle(link);
  const lineHeight = parseFloat(style.lineHeight);
  return {
    title: link.textContent.trim(),
    underlined: style.textDecorationLine.includes("underline"),
    colour: style.color,
    badgeOnFirstLine: badge.getBoundingClientRect().top < link.getBoundingClientRect().top + lineHeight,
  };
})"""
# The distinct lines the header's links and buttons stand on.
HEADER_LINES = """() => {
  const middles = [...document.querySelectorAll(".site-header a, .site-header button")]
    .filter((e) => e.getClientRects().length > 0)  // a link not shown takes no line
    .map((e) => { const box = e.getBoundingClientRect(); return (box.top + box.bottom) / 2; })
    .sort((a, b) => a - b);
  return middles.filter((middle, i) => i === 0 || middle - middles[i - 1] > 12).length;
}"""
ACCENT = {"light": "rgb(79, 70, 229)", "dark": "rgb(139, 133, 255)"}


@pytest.fixture
def demo_page(browser, live_server):
    world = build_world()
    for page in recording_page(browser, live_server, viewport={"width": 1280, "height": 900}):
        from django.conf import settings

        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(world, DEMO),
                    "url": live_server.url,
                }
            ]
        )
        page.goto("/")
        yield page


def test_the_two_columns_end_near_each_other(demo_page):
    ends = demo_page.evaluate(COLUMN_ENDS)
    # The time column ran 1,500 px past the plan when it also held the experiments.
    assert abs(ends[".dashboard-rest"] - ends[".dashboard-side"]) < 600, ends


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_module_titles_look_like_links_with_their_badge_beside_them(demo_page, width, scheme):
    demo_page.set_viewport_size({"width": width, "height": 900})
    demo_page.emulate_media(color_scheme=scheme)
    rows = demo_page.evaluate(ROWS)
    assert len(rows) >= 14  # next up and every module of the demo plan
    assert [row["title"] for row in rows if not row["underlined"]] == []
    assert {row["colour"] for row in rows} == {ACCENT[scheme]}
    assert [row["title"] for row in rows if not row["badgeOnFirstLine"]] == []


def test_the_header_takes_two_lines_on_a_phone(demo_page):
    demo_page.set_viewport_size({"width": 390, "height": 844})
    assert demo_page.evaluate(HEADER_LINES) == 2
    demo_page.set_viewport_size({"width": 1280, "height": 900})
    assert demo_page.evaluate(HEADER_LINES) == 1
