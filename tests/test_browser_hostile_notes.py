"""Notes made of hostile markdown run nothing in a real browser."""

from __future__ import annotations

import pytest

from learners.models import Note
from learners.study.panel import NOTES_SHOWN
from tests.conftest import log_in
from tests.factories import make_modules, make_plan
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_journals_of_hostile_notes_show_no_dialog_and_call_no_other_site(page, live_server, alice):
    (module,) = make_modules(1)
    make_plan(alice, [module])
    everything = payloads() + HTMX_PAYLOADS
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    log_in(page, alice, live_server.url)

    # The module page shows the latest notes; show every payload, a page-full at a time.
    for start in range(0, len(everything), NOTES_SHOWN):
        Note.objects.all().delete()
        for payload in everything[start : start + NOTES_SHOWN]:
            note = Note.objects.create(learner=alice, module=module, body=payload)
            assert active_content(note.body_html) == [], payload
        page.goto(f"/modules/{module.slug}/")
        page.wait_for_load_state("networkidle")
        for note in page.locator(".note").all():
            note.hover()
        page.keyboard.press("Tab")
        page.wait_for_timeout(200)
        assert page.locator(".note").count() == len(everything[start : start + NOTES_SHOWN])

    assert page.dialogs == []
    assert [url for url in requests if not url.startswith(live_server.url)] == []
    # htmx attributes inside notes stayed inert: nothing requested the URLs they name.
    assert [url for url in requests if "/admin/" in url or "/api/" in url] == []
