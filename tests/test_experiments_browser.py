"""Run pages in Chromium: choose two runs, compare them, see the changed hyperparameter
highlighted; one click to last week's best; hostile run text runs nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from learners.experiments.models import ModuleMetric
from tests.access_experiments import make_run
from tests.conftest import log_in
from tests.factories import make_modules
from tests.hostile import HTMX_PAYLOADS, payloads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFIG = {"lr": 20, "layers": 2, "hidden": 650, "bptt": 35}


def background(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


def test_comparing_two_runs_highlights_the_changed_hyperparameter(page, live_server, alice):
    (module,) = make_modules(1)
    make_run(
        alice,
        module,
        name="dropout 0.2",
        config={**CONFIG, "dropout": 0.2},
        metrics={"val_ppl": 165.0},
    )
    make_run(
        alice,
        module,
        name="dropout 0.5",
        config={**CONFIG, "dropout": 0.5},
        metrics={"val_ppl": 148.9},
    )
    make_run(alice, module, name="unrelated", config=CONFIG)
    log_in(page, alice, live_server.url)

    page.goto("/runs/")
    page.get_by_label("Compare “dropout 0.2”").check()
    page.get_by_label("Compare “dropout 0.5”").check()
    page.get_by_role("button", name="Compare the chosen runs").click()

    expect(page.get_by_role("heading", name="Comparing 2 runs")).to_be_visible()
    changed = page.locator("tr.differs")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("dropout")
    expect(changed.locator(".differs-mark")).to_be_visible()
    unchanged = page.locator("tr.same", has_text="hidden")
    assert background(changed) != background(unchanged)  # highlighted, not only marked
    best = page.locator("td.best")
    expect(best).to_contain_text("148.9")
    expect(best).to_contain_text("★ best")


def test_one_click_from_a_run_to_last_weeks_best(page, live_server, alice):
    (module,) = make_modules(1)
    ModuleMetric.objects.create(learner=alice, module=module, name="val_ppl")
    last_week = timezone.now() - timedelta(days=7)
    make_run(alice, module, name="last week", metrics={"val_ppl": 131.0}, started_at=last_week)
    run = make_run(alice, module, name="this week", metrics={"val_ppl": 112.5})
    log_in(page, alice, live_server.url)

    page.goto(f"/runs/{run.pk}/")
    page.get_by_role("link", name="Compare with the previous week’s best").click()

    expect(page.get_by_role("heading", name="Comparing 2 runs")).to_be_visible()
    expect(page.locator(".metrics-table")).to_contain_text("better")


def test_hostile_run_text_opens_no_dialog_and_calls_no_other_site(page, live_server, alice):
    (module,) = make_modules(1)
    runs = []
    for index, payload in enumerate(payloads() + HTMX_PAYLOADS):
        line = payload.replace("\n", " ")
        runs.append(
            make_run(
                alice,
                module,
                name=line[:200],
                notes=payload,
                command=payload,
                git_branch=line[:200],
                git_dirty=True,
                git_diff=f"+{payload}\n",
                config={line: payload, "index": index},
                metrics={line[:100]: 1.0},
                series={"loss": [[0, 2.0], [1, 1.0]]},
            )
        )
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    log_in(page, alice, live_server.url)

    urls = ["/runs/", f"/modules/{module.slug}/runs/"]
    urls += [f"/runs/{run.pk}/" for run in runs]
    urls += [
        f"/runs/compare/?run={a.pk}&run={b.pk}" for a, b in zip(runs[::2], runs[1::2], strict=False)
    ]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        page.mouse.move(200, 300)
        page.keyboard.press("Tab")

    assert page.dialogs == []
    assert [url for url in requests if not url.startswith(live_server.url)] == []
    assert [url for url in requests if "/admin/" in url or "/api/" in url] == []
