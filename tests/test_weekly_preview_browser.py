"""The weekly email's preview in Chromium: its frame is as tall as the email, on a laptop and
on a phone, so there is neither a grey gap under the email nor an email cut off."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import recording_page
from tests.pages import DEMO, build_world, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The frame's height and that of the email inside it (measured from a zero-height frame, as a
# document is never shorter than its frame).
HEIGHTS = """(frame) => {
  const shown = frame.getBoundingClientRect().height;
  const before = frame.style.height;
  frame.style.height = "0px";
  const email = frame.contentDocument.documentElement.scrollHeight;
  frame.style.height = before;
  return {frame: shown, email};
}"""


def test_the_preview_frame_is_as_tall_as_the_email_wide_and_narrow(browser, live_server):
    world = build_world()
    for page in recording_page(browser, live_server, viewport={"width": 1280, "height": 900}):
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(world, DEMO),
                    "url": live_server.url,
                }
            ]
        )
        page.goto("/email/weekly/preview/")
        frame = page.locator("iframe.weekly-frame")
        frame.scroll_into_view_if_needed()
        # The frame loads lazily; its document is the email (same origin, nothing runs in it).
        page.frame_locator("iframe.weekly-frame").locator("body").wait_for()
        page.wait_for_load_state("load")
        page.evaluate("() => window.dispatchEvent(new Event('resize'))")
        wide = frame.evaluate(HEIGHTS)
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate("() => window.dispatchEvent(new Event('resize'))")
        narrow = frame.evaluate(HEIGHTS)
    for heights in (wide, narrow):
        assert heights["email"] > 600  # a real email, not an empty frame
        assert abs(heights["frame"] - heights["email"]) <= 2, heights
    assert narrow["email"] > wide["email"]  # rewrapped on the phone, and the frame followed
