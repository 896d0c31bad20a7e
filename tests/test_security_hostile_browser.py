"""Every hostile payload in the text fields tests/test_security_hostile.py reads as HTML, shown
in Chromium: display names (the header, the admin), email addresses (the admin), plan goals,
session descriptions, token names, run notes on the edit page, and module lists (titles,
descriptions, item notes on the public pages and the admin). Each payload is its own row, so a
page that lists rows shows all of them at once, whole. Nothing may open a dialog, call another
site, or make a request the page didn't ask for (htmx attributes inside the text staying inert:
no request to the admin or the API).

The browser ignores the Content Security Policy here (`bypass_csp`): the policy would block an
inline handler that escaping had let through, and this test is about the escaping. The policy
itself is tested in tests/test_csp_violations.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from curriculum.models import ModuleList, ModuleListItem
from learners.experiments.models import ApiToken
from learners.models import Plan, PlanStatus, StudySession, User
from tests.access_experiments import make_run
from tests.conftest import log_in, recording_page
from tests.factories import make_learner, make_modules, make_plan
from tests.hostile import HTMX_PAYLOADS, payloads
from tests.test_security_hostile import quoted_address

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERYTHING = payloads() + HTMX_PAYLOADS


def one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def build(alice: User) -> dict:
    """A row per payload in every field, and the lists, learners and staff that show them."""
    modules = make_modules(len(EVERYTHING), checkpoints=1, topics=1)
    plan = make_plan(alice, modules[:2], goal=one_line(EVERYTHING[0], 300))
    today = alice.local_today()
    Plan.objects.bulk_create(
        Plan(
            learner=alice, goal=one_line(text, 300), start_date=today - timedelta(days=90),
            target_end=today - timedelta(days=10), weekly_hours=5, status=PlanStatus.ABANDONED,
            ended_at=timezone.now(),
        )
        for text in EVERYTHING
    )  # fmt: skip
    StudySession.objects.bulk_create(
        StudySession(
            learner=alice, module=modules[0], date=today, minutes=10, description=text[:500]
        )
        for text in EVERYTHING
    )
    ApiToken.objects.bulk_create(
        ApiToken(learner=alice, name=one_line(text, 80), prefix="trj_x", token_hash=f"h{i}")
        for i, text in enumerate(EVERYTHING)
    )
    runs = [make_run(alice, modules[0], name=one_line(t, 200), notes=t) for t in EVERYTHING]
    lists = [
        ModuleList.objects.create(
            slug=f"hostile-{i}", title=one_line(text, 200), description=text, published=True
        )
        for i, text in enumerate(EVERYTHING)
    ]
    noted = ModuleList.objects.create(slug="noted", title="Noted", published=True)
    ModuleListItem.objects.bulk_create(
        ModuleListItem(module_list=noted, module=module, position=i, note=one_line(text, 300))
        for i, (module, text) in enumerate(zip(modules, EVERYTHING, strict=True))
    )
    ModuleListItem.objects.bulk_create(
        ModuleListItem(module_list=module_list, module=modules[0]) for module_list in lists
    )
    for i, text in enumerate(EVERYTHING):
        make_learner(f"named{i}@example.com", display_name=one_line(text, 80))
    addresses = 0
    for text in EVERYTHING:
        address = quoted_address(text)
        try:
            validate_email(address)
        except ValidationError:
            continue
        if not User.objects.filter(email=address.lower()).exists():  # payloads differing in case
            User.objects.create_user(address.lower(), "a-long-pass-123")
            addresses += 1
    return {"plan": plan, "runs": runs, "addresses": addresses}


@pytest.fixture
def page(browser, live_server):
    """Like conftest's page, without the CSP's protection; any dialog is recorded."""
    yield from recording_page(browser, live_server, bypass_csp=True)


def test_the_browser_here_would_run_an_inline_handler(page, live_server):
    """Without the CSP, unescaped markup does run: so the test below can fail."""
    page.goto("/health/")
    page.set_content('<img src="data:," onerror="alert(1)">')
    page.wait_for_timeout(200)
    assert page.dialogs == ["1"]


def test_hostile_text_in_every_field_runs_nothing_in_chromium(page, live_server, alice):
    world = build(alice)
    assert world["addresses"] > 0
    carol = make_learner("carol@example.com")
    staff = make_learner("staff@example.com", is_staff=True, is_superuser=True)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def visit(url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("load")
        page.mouse.move(300, 200)
        page.mouse.move(600, 500)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")

    def as_(user: User | None) -> None:
        page.context.clear_cookies()
        if user is not None:
            log_in(page, user, live_server.url)

    plan = world["plan"].pk
    as_(alice)
    for url in ["/", "/plans/", f"/plans/{plan}/", f"/plans/{plan}/edit/", "/sessions/",
                "/timeline/", "/settings/", "/settings/tokens/"]:  # fmt: skip
        visit(url)
    assert page.locator("main").count() == 1
    for run in world["runs"]:
        visit(f"/runs/{run.pk}/edit/")
    # The header shows the display name: each payload in turn.
    for text in EVERYTHING:
        User.objects.filter(pk=alice.pk).update(display_name=one_line(text, 80))
        visit("/plans/new/")
    as_(None)
    visit("/")
    visit("/lists/noted/")
    visit("/lists/hostile-0/")
    as_(carol)
    for url in ["/", "/plans/new/", "/plans/new/?list=noted"]:
        visit(url)
    learner_phase = list(requests)
    as_(staff)
    noted = ModuleList.objects.get(slug="noted").pk
    for url in [
        "/admin/learners/user/", "/admin/learners/user/?p=2", "/admin/curriculum/modulelist/",
        f"/admin/curriculum/modulelist/{noted}/change/", "/admin/weekly/weeklyschedule/",
        f"/admin/learners/user/{alice.pk}/change/",
    ]:  # fmt: skip
        visit(url)

    assert page.dialogs == []
    assert [url for url in requests if not url.startswith(live_server.url)] == []
    # htmx attributes in the text stayed inert: nothing asked for the admin or the API.
    assert [url for url in learner_phase if "/admin/" in url or "/api/" in url] == []
    assert [url for url in requests if url.rstrip("/").endswith(("/admin", "/api/v1/runs"))] == []
    assert StudySession.objects.filter(learner=alice, date=date.today()).count() >= len(EVERYTHING)
