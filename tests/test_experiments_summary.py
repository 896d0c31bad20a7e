"""The dashboard's and the module page's experiments sections: this week's best against last
week's best on the primary metric, in the learner's own weeks, at a fixed query cost."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from learners.experiments import summary
from learners.experiments.models import ModuleMetric, Run, RunMetric
from tests.access_experiments import make_run
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 12, tzinfo=UTC)  # Wednesday; this week is 9–15 March
THIS_MONDAY = datetime(2026, 3, 9, 9, tzinfo=UTC)


@pytest.fixture
def modules(alice):
    modules = make_modules(2)
    ModuleMetric.objects.create(learner=alice, module=modules[0], name="val_ppl")
    return modules


@time_machine.travel(NOW, tick=False)
def test_this_weeks_best_is_set_against_last_weeks(alice, modules):
    lstm = modules[0]
    make_run(
        alice,
        lstm,
        name="old",
        metrics={"val_ppl": 80.0},
        started_at=THIS_MONDAY - timedelta(days=8),
    )
    make_run(
        alice,
        lstm,
        name="lw 1",
        metrics={"val_ppl": 150.0},
        started_at=THIS_MONDAY - timedelta(days=5),
    )
    make_run(
        alice,
        lstm,
        name="lw best",
        metrics={"val_ppl": 131.0},
        started_at=THIS_MONDAY - timedelta(days=2),
    )
    make_run(alice, lstm, name="tw best", metrics={"val_ppl": 112.5}, started_at=THIS_MONDAY)
    make_run(
        alice,
        lstm,
        name="tw 2",
        metrics={"val_ppl": 118.0},
        started_at=THIS_MONDAY + timedelta(days=1),
    )
    make_run(alice, lstm, name="no metric", metrics={"loss": 0.1}, started_at=THIS_MONDAY)
    make_run(
        alice,
        modules[1],
        name="no primary metric",
        metrics={"val_ppl": 1.0},
        started_at=THIS_MONDAY,
    )

    (weeks,) = summary.for_dashboard(alice, None, date(2026, 3, 11)).modules

    assert (weeks.module_slug, weeks.metric, weeks.lower_is_better) == (lstm.slug, "val_ppl", True)
    assert (weeks.this_week.run_name, weeks.this_week.value) == ("tw best", 112.5)
    assert (weeks.last_week.run_name, weeks.last_week.value) == ("lw best", 131.0)
    assert (weeks.delta, weeks.verdict) == ("−18.5", "better")


@time_machine.travel(NOW, tick=False)
def test_higher_is_better_and_a_missing_week(alice, modules):
    ModuleMetric.objects.filter(learner=alice).update(name="acc", lower_is_better=False)
    make_run(alice, modules[0], name="a", metrics={"acc": 0.5}, started_at=THIS_MONDAY)
    make_run(alice, modules[0], name="b", metrics={"acc": 0.7}, started_at=THIS_MONDAY)
    (weeks,) = summary.for_dashboard(alice, None, date(2026, 3, 11)).modules
    assert weeks.this_week.run_name == "b"
    assert weeks.last_week is None and weeks.verdict == ""


@time_machine.travel(NOW, tick=False)
def test_weeks_are_the_learners_own(alice, modules):
    alice.time_zone = "America/Los_Angeles"  # UTC−7 in March after the switch on the 8th
    alice.save(update_fields=["time_zone"])
    # Monday 9 March 03:00 UTC is Sunday 8 March 20:00 in Los Angeles: last week there.
    make_run(
        alice,
        modules[0],
        name="sunday evening",
        metrics={"val_ppl": 100.0},
        started_at=datetime(2026, 3, 9, 3, tzinfo=UTC),
    )
    (weeks,) = summary.for_dashboard(alice, None, date(2026, 3, 11)).modules
    assert weeks.this_week is None
    assert weeks.last_week.run_name == "sunday evening"


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_shows_the_section(client, alice, modules):
    make_plan(alice, modules)
    make_run(
        alice,
        modules[0],
        name="lw",
        metrics={"val_ppl": 131.0},
        started_at=THIS_MONDAY - timedelta(days=2),
    )
    best = make_run(
        alice, modules[0], name="tw", metrics={"val_ppl": 112.5}, started_at=THIS_MONDAY
    )
    client.force_login(alice)

    page = client.get("/").text
    section = page.split('id="experiments-summary"')[1].split("</section>")[0]

    assert "Experiments this week" in section
    assert f'href="/runs/{best.pk}/"><strong class="weeks-value">112.5</strong>' in section
    assert "−18.5 —" in section and "better than last week" in section
    assert "data-hx-swap-oob" not in section


@time_machine.travel(NOW, tick=False)
def test_an_htmx_action_on_the_dashboard_leaves_the_section_alone(client, alice, modules):
    # Runs arrive through the API, never through a dashboard control: no write there can
    # change this section, so none sends it again.
    make_plan(alice, modules)
    make_run(alice, modules[0], name="tw", metrics={"val_ppl": 112.5}, started_at=THIS_MONDAY)
    client.force_login(alice)
    response = client.post(
        "/sessions/",
        {"session-date": "2026-03-11", "session-minutes": "30", "page": "dashboard"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="hours-week"' in response.text  # the answer did send what the session moved
    assert 'id="experiments-summary"' not in response.text


@time_machine.travel(NOW, tick=False)
def test_the_module_page_shows_weeks_and_latest_runs(client, alice, modules):
    make_run(
        alice,
        modules[0],
        name="lw",
        metrics={"val_ppl": 131.0},
        started_at=THIS_MONDAY - timedelta(days=2),
    )
    make_run(alice, modules[0], name="tw", metrics={"val_ppl": 140.0}, started_at=THIS_MONDAY)
    client.force_login(alice)
    page = client.get(f"/modules/{modules[0].slug}/").text
    section = page.split('id="experiments-module"')[1].split("</section>")[0]
    assert "not yet as good as last week" in section
    assert ">tw</a>" in section and ">lw</a>" in section


def test_without_runs_the_sections_say_how_to_start(client, alice, modules):
    make_plan(alice, modules)
    client.force_login(alice)
    assert "No runs on a module’s primary metric" in client.get("/").text
    page = client.get(f"/modules/{modules[1].slug}/").text
    assert f'module="{modules[1].slug}"' in page


def _history(learner, modules, count: int) -> None:
    rng = random.Random(count)
    runs = Run.objects.bulk_create(
        Run(
            learner=learner,
            module=rng.choice(modules),
            name=f"run {i}",
            started_at=NOW - timedelta(hours=rng.randrange(24 * 30)),
        )
        for i in range(count)
    )
    RunMetric.objects.bulk_create(
        RunMetric(run=run, name=name, value=rng.random() * 100)
        for run in runs
        for name in ("val_ppl", "loss")
    )


@pytest.mark.parametrize("count", [10, 1000])
@time_machine.travel(NOW, tick=False)
def test_the_summaries_cost_a_fixed_number_of_queries(
    alice, modules, django_assert_num_queries, count
):
    _history(alice, modules, count)
    ModuleMetric.objects.create(learner=alice, module=modules[1], name="loss")
    alice.refresh_from_db()
    # the two weeks' primary-metric values of every module
    with django_assert_num_queries(summary.DASHBOARD_QUERIES):
        board = summary.for_dashboard(alice, None, date(2026, 3, 11))
    assert len(board.modules) == 2
    # the primary metric, the latest runs with their primary values, the two weeks' values
    with django_assert_num_queries(summary.MODULE_QUERIES):
        section = summary.for_module(alice, modules[0])
    assert len(section.recent) == min(5, Run.objects.filter(module=modules[0]).count())
    assert all(run.primary_value is not None for run in section.recent)


def test_the_summaries_cost_the_same_without_any_runs(alice, modules, django_assert_num_queries):
    with django_assert_num_queries(summary.DASHBOARD_QUERIES):
        assert summary.for_dashboard(alice, None, date(2026, 3, 11)).modules == []
    with django_assert_num_queries(summary.MODULE_QUERIES):
        assert summary.for_module(alice, modules[1]).recent == []


def _page_queries(client, url: str) -> int:
    """The queries of the page built afresh (not from its cached sections)."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learners.plans import state

    caches["pages"].clear()  # _history() writes in bulk, as no request or signal does
    # Each count with the plan's shape read afresh too (learners/plans/state.py), so the two
    # counts compare the same work: the first view would otherwise fill what the second reads.
    caches["fragments"].clear()
    state.forget_recent_shapes()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_and_module_page_cost_the_same_with_a_thousand_runs(client, alice, modules):
    make_plan(alice, modules)
    client.force_login(alice)
    module_url = f"/modules/{modules[0].slug}/"
    before = (_page_queries(client, "/"), _page_queries(client, module_url))
    _history(alice, modules, 1000)
    after = (_page_queries(client, "/"), _page_queries(client, module_url))
    assert after == before
    assert "Experiments this week" in client.get("/").text
