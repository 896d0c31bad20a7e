"""axe-core finds no serious or critical accessibility violation on any main page, logged in or
out, in the light and the dark color scheme (contrast differs between them), on a laptop's
screen and on a phone's (a box that only scrolls at 390 px must still be reachable by keyboard).

axe-core comes from the npm registry (node_modules/axe-core, installed by `make system-deps`)
and is injected into every document by Playwright. Our strict CSP would refuse an injected
script, so these contexts bypass it; tests/test_csp_violations.py walks the same pages under
the CSP as served.
"""

from __future__ import annotations

import pytest

from tests.conftest import ON_CI, REPO
from tests.pages import (
    ANONYMOUS,
    SUBMISSIONS,
    build_world,
    by_viewer,
    open_in_browser,
    session_cookie,
)

# What axe checks is the markup and styles: the SQLite pass is enough (docs/testing.md).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.engine_independent,
]

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
SCHEMES = ("light", "dark")
WIDTHS = {1280: 900, 390: 844}  # width → height: a laptop, a phone

# Only violations; axe's passes and incomplete lists are large and unused here.
RUN_AXE = """async (rules) => {
  const options = {resultTypes: ["violations"]};
  if (rules) options.runOnly = {type: "rule", values: rules};
  const results = await axe.run(document, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""
# Every rule runs in the light scheme. The dark one changes colours only, so it reruns the
# rules that read colours.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


@pytest.fixture
def axe_path():
    if not AXE.exists():
        message = "axe-core is missing: run `make system-deps` (npm ci)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE


def axe_context(browser, live_server, axe_path, cookie: str | None = None):
    """A context whose every document gets axe-core; CSP bypassed so the script may run."""
    from django.conf import settings

    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, color_scheme=SCHEMES[0]
    )
    context.add_init_script(path=str(axe_path))
    if cookie:
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    return context


def blocking_violations(page, rules: list[str] | None = None) -> list[dict]:
    return [v for v in page.evaluate(RUN_AXE, rules) if v["impact"] in BLOCKING]


def test_no_main_page_has_a_serious_or_critical_violation_in_either_scheme(
    browser, live_server, axe_path
):
    world = build_world()
    found: list[str] = []
    checked = 0
    for who, items in by_viewer(world).items():
        cookie = None if who == ANONYMOUS else session_cookie(world, who)
        context = axe_context(browser, live_server, axe_path, cookie)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            for item in items:
                page.set_viewport_size({"width": 1280, "height": 900})
                assert open_in_browser(page, item) == item.status, item
                for width, height in WIDTHS.items():
                    # The same document, resized and restyled without a reload; app.js hears
                    # of the new size at once (it makes a box that now scrolls a Tab stop).
                    page.set_viewport_size({"width": width, "height": height})
                    page.evaluate("() => window.dispatchEvent(new Event('resize'))")
                    for scheme in SCHEMES:
                        page.emulate_media(color_scheme=scheme)
                        found += [
                            f"{item} [{width} px, {scheme}] {violation['impact']} "
                            f"{violation['id']}: {violation['help']}\n      "
                            + "\n      ".join(violation["targets"])
                            for violation in blocking_violations(
                                page, None if scheme == "light" else COLOUR_RULES
                            )
                        ]
                page.emulate_media(color_scheme=SCHEMES[0])
                checked += 1
        finally:
            context.close()

    assert checked == len(world.pages) + len(SUBMISSIONS)
    assert found == [], f"{len(found)} serious or critical violations:\n" + "\n".join(found)


def test_axe_reports_an_unlabelled_input_and_low_contrast(browser, live_server, axe_path):
    # The walk above can fail: axe, injected the same way, catches both on a page of ours.
    context = axe_context(browser, live_server, axe_path)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.evaluate(
            """() => {
              const main = document.querySelector("main");
              main.insertAdjacentHTML("beforeend",
                '<input type="text" name="nameless">' +
                '<p style="color:#bbb;background:#fff">faint</p>');
            }"""
        )
        ids = {v["id"] for v in blocking_violations(page)}
    finally:
        context.close()
    assert {"label", "color-contrast"} <= ids
