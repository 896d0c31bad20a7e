"""A module page built from hostile markdown runs nothing in a real browser."""

from __future__ import annotations

import pytest

from curriculum.models import Module
from tests.curriculum_helpers import load, write
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_module_of_hostile_payloads_shows_no_dialog_and_calls_no_other_site(
    page, live_server, tmp_path
):
    body = (
        "# Hostile\n\n"
        + "\n\n".join(payloads() + HTMX_PAYLOADS)
        + "\n\n- [ ] <img src=x onerror=alert(2)>\n"
    )
    write(
        tmp_path, "hostile.md", "---\nslug: hostile\ntitle: <script>alert(3)</script>\n---\n" + body
    )
    assert load(tmp_path).status == 0
    module = Module.objects.get(slug="hostile")
    assert active_content(module.body_html) == []
    foreign = []
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )

    page.goto("/modules/hostile/")
    page.wait_for_load_state("networkidle")
    page.mouse.move(10, 10)
    page.keyboard.press("Tab")
    page.wait_for_timeout(300)

    assert page.dialogs == []
    assert foreign == []
    assert page.locator("h1").first.inner_text() == "<script>alert(3)</script>"
    # Only our own scripts are on the page.
    sources = page.eval_on_selector_all("script", "els => els.map(e => e.getAttribute('src'))")
    assert all(src and src.startswith("/static/") for src in sources), sources
