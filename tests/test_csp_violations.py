"""No page breaks our Content Security Policy, as served: every main page, logged in and out,
loaded in Chromium under the strict CSP, and the htmx actions of the dashboard and the module
page (and the filters of the catalogue, the failure log and the timeline) used once.

A violation shows up two ways and both are watched: Chromium's console message ("Refused to
... because it violates the following Content Security Policy directive") and the document's
`securitypolicyviolation` event, collected into `window` by a script Playwright adds to every
document before the page's own.
"""

from __future__ import annotations

import pytest

from tests.pages import (
    ANONYMOUS,
    DEMO,
    FINISHED,
    IN_PROGRESS,
    SUBMISSIONS,
    Page,
    build_world,
    by_viewer,
    open_in_browser,
    session_cookie,
)

# The policy is a header and the pages' scripts and styles: the SQLite pass is enough
# (docs/testing.md); the htmx writes it makes are checked on both engines elsewhere.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.engine_independent,
]

# Added by Playwright to every document (not subject to the page's CSP).
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || location.pathname}:${event.lineNumber}`
  );
});
"""
# Read after a short pause in which the page's queued tasks run (the violation event is queued,
# not immediate); the pause is Playwright's, since a page-side timer never fires in a document
# whose sandbox forbids scripts.
READ = "() => window.__cspViolations"
SETTLE_MS = 50


def read_violations(page):
    page.wait_for_timeout(SETTLE_MS)
    return page.evaluate(READ)


# The email's document forbids every script (its sandbox has no allow-scripts), listeners
# included: only the console channel watches it. Its inline styles are allowed by its own policy.


def is_csp_message(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


def csp_context(browser, live_server, cookie: str | None = None):
    from django.conf import settings

    context = browser.new_context(base_url=live_server.url)  # no bypass_csp: the policy holds
    context.add_init_script(WATCH)
    if cookie:
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    return context


def watched_page(context, found: list[str]):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on(
        "console",
        lambda message: (
            found.append(f"console on {page.url}: {message.text}")
            if is_csp_message(message.text)
            else None
        ),
    )
    return page


def htmx(page, action) -> None:
    """Do `action` and wait until the htmx request it sends is answered, swapped and settled."""
    # The promise sits inside an object so that making it doesn't wait for it; it follows the
    # one request the action starts (the late events of an earlier request don't count).
    # wait_for_function is no use here: it evaluates a string, which the CSP refuses.
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
    action()
    # evaluate() has no timeout of its own: a request that never comes fails the test here.
    page.evaluate(
        """(settled) => Promise.race([
             settled.done.then(() => true),
             new Promise((_, reject) => setTimeout(
               () => reject(new Error("no htmx request settled within 15 s")), 15000)),
           ])""",
        settled,
    )


def use_the_dashboard(page) -> None:
    htmx(page, lambda: page.locator("#next-up input[type=checkbox]").check())
    page.get_by_role("spinbutton", name="Minutes").fill("45")
    page.get_by_label("What I did").fill("Read about **CSP** and `nonces`")
    htmx(page, lambda: page.get_by_role("button", name="Log it").click())
    htmx(page, lambda: page.get_by_role("button", name="Start the timer").click())
    htmx(page, lambda: page.get_by_role("button", name="Stop and log").click())
    page.locator("#record-capture").get_by_label("What went wrong").fill("Loss went NaN")
    htmx(page, lambda: page.get_by_role("button", name="Log failure").click())


def use_the_module_page(page) -> None:
    htmx(page, lambda: page.locator("#confidence-form button").nth(3).click())
    htmx(page, lambda: page.locator(".checklist input[type=checkbox]:not(:checked)").first.check())
    page.get_by_label("New note").fill("Attention: $\\frac{QK^T}{\\sqrt{d_k}}$ and a `mask`")
    htmx(page, lambda: page.get_by_role("button", name="Preview").click())
    htmx(page, lambda: page.get_by_role("button", name="Save note").click())
    htmx(page, lambda: page.get_by_role("button", name="Mark resolved").first.click())
    htmx(page, lambda: page.get_by_role("button", name="Done", exact=True).click())


def use_the_filters(page) -> None:
    htmx(page, lambda: page.locator("select").first.select_option(index=1))


# (viewer, path) → what to do there, beyond loading it.
ACTIONS = {
    (DEMO, "/"): use_the_dashboard,
    (DEMO, f"/modules/{IN_PROGRESS}/"): use_the_module_page,
    (DEMO, "/failures/"): use_the_filters,
    (DEMO, "/timeline/"): use_the_filters,
    (ANONYMOUS, "/modules/"): lambda page: htmx(
        page, lambda: page.get_by_label("Search").fill("lang")
    ),
    (DEMO, f"/modules/{FINISHED}/runs/"): None,
}


def test_no_page_reports_a_csp_violation_even_after_htmx_actions(browser, live_server):
    world = build_world()
    found: list[str] = []
    checked = acted = 0
    for who, items in by_viewer(world).items():
        cookie = None if who == ANONYMOUS else session_cookie(world, who)
        context = csp_context(browser, live_server, cookie)
        page = watched_page(context, found)
        try:
            for item in items:
                assert open_in_browser(page, item) == item.status, item
                if page.locator("iframe").count():
                    # The weekly email's frame loads lazily: bring it into view and let it load.
                    page.locator("iframe").first.scroll_into_view_if_needed()
                    page.wait_for_load_state("networkidle")
                if isinstance(item, Page) and (action := ACTIONS.get((who, item.path))):
                    action(page)
                    acted += 1
                violations = read_violations(page)
                found += [f"{item}: {violation}" for violation in violations or []]
                checked += 1
        finally:
            context.close()

    assert checked == len(world.pages) + len(SUBMISSIONS)
    assert acted == sum(1 for action in ACTIONS.values() if action)
    assert found == [], f"{len(found)} CSP violations:\n" + "\n".join(found)


def test_an_inline_script_and_an_inline_style_are_reported(browser, live_server):
    # The walk above can fail: content the policy refuses is seen through both channels.
    found: list[str] = []
    context = csp_context(browser, live_server)
    page = watched_page(context, found)
    try:
        page.goto("/login/")
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.ran = true";
              document.body.append(script);
              document.querySelector("main").insertAdjacentHTML(
                "beforeend", '<p style="color: red">styled</p>');
            }"""
        )
        events = read_violations(page)
        ran = page.evaluate("window.ran === true")
    finally:
        context.close()
    assert not ran
    assert any(event.startswith("script-src-elem blocked inline") for event in events), events
    assert any(event.startswith("style-src-attr blocked inline") for event in events), events
    assert any("inline script" in message for message in found), found
