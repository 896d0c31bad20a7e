"""Comparing 2–5 runs: settings that differ, metric deltas with the better one marked, the
"same commit, dirty" warning, overlaid curves; and "compare with last week's best"."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from learners.experiments.compare import compare, flatten, guess_lower_is_better
from learners.experiments.models import ModuleMetric, Run, RunMetric
from learners.mentors import sections as mentor_sections
from tests.access_experiments import make_run
from tests.factories import make_modules

pytestmark = pytest.mark.django_db

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def module():
    return make_modules(1)[0]


def url(*runs) -> str:
    return "/runs/compare/?" + "&".join(f"run={run.pk}" for run in runs)


def row(page: str, key: str) -> str:
    """The <tr> of a config key or metric name."""
    start = page.index(f"<code>{key}</code>") if f"<code>{key}</code>" in page else page.index(key)
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def test_changed_hyperparameters_are_highlighted(client, alice, module):
    a = make_run(
        alice, module, name="A", config={"lr": 20, "dropout": 0.2, "optim": {"clip": 0.25}}
    )
    b = make_run(alice, module, name="B", config={"lr": 20, "dropout": 0.5, "optim": {"clip": 0.5}})
    client.force_login(alice)

    page = client.get(url(a, b)).text

    assert row(page, "dropout").startswith('<tr class="differs">')
    assert row(page, "optim.clip").startswith('<tr class="differs">')
    assert row(page, "lr").startswith('<tr class="same">')
    assert "≠" in row(page, "dropout") and "≠" not in row(page, "lr")
    assert "<strong>2</strong> of 3 settings differ" in page


def test_a_setting_only_one_run_has_differs(alice, module):
    a = make_run(alice, module, config={"lr": 1, "tied": True})
    b = make_run(alice, module, config={"lr": 1.0})
    rows = {r.key: r for r in compare([a, b], {}).config}
    assert rows["tied"].differs and rows["tied"].values == ["true", "—"]
    assert not rows["lr"].differs  # 1 and 1.0 are the same number


def test_metric_deltas_mark_the_better_run_by_the_primary_metric(client, alice, module):
    ModuleMetric.objects.create(learner=alice, module=module, name="val_ppl", lower_is_better=True)
    a = make_run(alice, module, name="A", metrics={"val_ppl": 150.0, "accuracy": 0.30})
    b = make_run(alice, module, name="B", metrics={"val_ppl": 120.0, "accuracy": 0.25})
    client.force_login(alice)

    page = client.get(url(a, b)).text
    ppl = row(page, "val_ppl")
    assert "lower is better" in ppl and "(primary metric)" in ppl
    cells = ppl.split("<td")[1:]
    assert "★ best" not in cells[0] and "★ best" in cells[1]
    assert "−30 (−20.0%) better" in " ".join(cells[1].split())
    accuracy = row(page, "accuracy")
    assert "higher is better" in accuracy and "(guessed from the name)" in accuracy
    cells = accuracy.split("<td")[1:]
    assert "★ best" in cells[0] and "worse" in cells[1]
    assert page.index("val_ppl") < page.index("accuracy")  # the primary metric first


def test_a_metric_nobody_can_judge_gets_deltas_but_no_best(alice, module):
    a = make_run(alice, module, metrics={"widgets": 3.0})
    b = make_run(alice, module, metrics={"widgets": 5.0})
    (metric,) = compare([a, b], {}).metrics
    assert metric.lower_is_better is None
    assert not any(cell.best for cell in metric.cells)
    assert (metric.cells[1].delta, metric.cells[1].verdict) == ("+2 (+66.7%)", "")


@pytest.mark.parametrize(
    ("name", "lower"),
    [("val_loss", True), ("val_ppl", True), ("bpc", True), ("top1_acc", False), ("f1", False),
     ("tokens_per_sec", False), ("widgets", None)],
)  # fmt: skip
def test_the_direction_is_guessed_from_common_names(name, lower):
    assert guess_lower_is_better(name) is lower


def test_the_same_commit_with_a_dirty_tree_is_warned_about(client, alice, module):
    a = make_run(alice, module, name="clean", git_sha=SHA)
    b = make_run(alice, module, name="edited", git_sha=SHA, git_dirty=True, git_diff="+x\n")
    c = make_run(alice, module, name="elsewhere", git_sha="f" * 40, git_dirty=True, git_diff="+y\n")
    client.force_login(alice)

    page = client.get(url(a, b, c)).text

    assert page.count('class="warning code-warning"') == 1
    warning = page.split('class="warning code-warning"')[1].split("</p>")[0]
    assert "Same commit, different code" in warning
    assert "“clean”, “edited” started from the same commit 0123456" in warning
    assert "elsewhere" not in warning


def test_same_commit_and_same_diff_is_said_plainly(alice, module):
    a = make_run(alice, module, git_sha=SHA, git_dirty=True, git_diff="+x\n")
    b = make_run(alice, module, git_sha=SHA, git_dirty=True, git_diff="+x\n")
    (warning,) = compare([a, b], {}).warnings
    assert warning.same_diff
    assert "same uncommitted changes" in warning.message


def test_clean_runs_of_one_commit_raise_no_warning(alice, module):
    a = make_run(alice, module, git_sha=SHA)
    b = make_run(alice, module, git_sha=SHA)
    assert compare([a, b], {}).warnings == []


def test_curves_are_overlaid_one_chart_per_metric(client, alice, module):
    a = make_run(
        alice, module, name="A", series={"val_ppl": [[1, 200], [2, 150]], "loss": [[1, 5]]}
    )
    b = make_run(alice, module, name="B", series={"val_ppl": [[1, 190], [2, 120], [3, 110]]})
    client.force_login(alice)
    page = client.get(url(a, b)).text
    assert page.count('<svg class="chart curves-chart"') == 2
    ppl_chart = page.split('id="compare-1-title">val_ppl by step')[1].split("</svg>")[0]
    assert 'class="curve curve-1"' in ppl_chart and 'class="curve curve-2"' in ppl_chart
    assert page.count('<span class="swatch curve-2"') >= 2  # the header and the legend


def test_two_to_five_runs_are_compared(client, alice, module):
    runs = [make_run(alice, module, name=f"r{i}") for i in range(6)]
    client.force_login(alice)
    assert client.get(url(*runs[:5])).status_code == 200
    too_many = client.get(url(*runs))
    assert too_many.status_code == 400
    assert "at most 5 runs" in too_many.text
    one = client.get(url(runs[0]))
    assert one.status_code == 200 and "Choose at least two runs" in one.text
    picker = client.get("/runs/compare/")
    assert picker.status_code == 200 and 'name="run" value="' in picker.text
    assert client.get("/runs/compare/?run=x&run=1").status_code == 400
    # A run chosen twice is compared once.
    assert "Choose at least two" in client.get(url(runs[0], runs[0])).text


def test_another_learners_run_in_a_comparison_is_404(client, alice, bob, module):
    mine = make_run(bob, module, name="bob's")
    theirs = make_run(alice, module, name="alice's secret")
    client.force_login(bob)
    response = client.get(url(mine, theirs))
    assert response.status_code == 404
    assert "alice" not in response.text


def test_runs_keep_the_order_chosen_the_first_is_the_baseline(client, alice, module):
    a = make_run(alice, module, name="first-made", metrics={"loss": 2.0})
    b = make_run(alice, module, name="second-made", metrics={"loss": 1.0})
    client.force_login(alice)
    page = client.get(url(b, a)).text
    assert "Deltas are against the first run, “second-made”" in page
    assert "+1 (+100.0%) worse" in " ".join(page.split())


def test_flatten_makes_dotted_keys():
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": {}}) == {
        "a.b": 1,
        "a.c.d": [1, 2],
        "e": {},
    }


def _many_runs(learner, module, count: int) -> list[Run]:
    rng = random.Random(count)
    runs = Run.objects.bulk_create(
        Run(
            learner=learner,
            module=module,
            name=f"run {i}",
            config={"lr": rng.random(), "layers": rng.randrange(1, 4)},
            git_sha=SHA,
            git_dirty=bool(i % 2),
            git_diff="+x\n" if i % 2 else "",
        )
        for i in range(count)
    )
    RunMetric.objects.bulk_create(
        RunMetric(
            run=run, name=name, value=rng.random(), series=[[s, rng.random()] for s in range(50)]
        )
        for run in runs
        for name in ("val_ppl", "train_loss")
    )
    return runs


@pytest.mark.parametrize("count", [10, 1000])
def test_the_compare_query_count_does_not_grow_with_runs(
    client, alice, module, django_assert_num_queries, count
):
    runs = _many_runs(alice, module, count)
    ModuleMetric.objects.create(learner=alice, module=module, name="val_ppl")
    client.force_login(alice)
    # session, user, the chosen runs with their modules, their metrics, their primary metrics;
    # then what the "ask a mentor" form costs
    with django_assert_num_queries(5 + mentor_sections.PAGE_QUERIES):
        response = client.get(url(*runs[:5]))
    assert response.status_code == 200
    assert "Same commit, different code" in response.text


# --- compare with last week's best ---------------------------------------------------------------


@time_machine.travel(datetime(2026, 3, 11, 12, tzinfo=UTC), tick=False)
def test_one_click_compares_a_run_with_the_previous_weeks_best(client, alice, module):
    ModuleMetric.objects.create(learner=alice, module=module, name="val_ppl")
    monday = datetime(2026, 3, 9, 9, tzinfo=UTC)  # this week: 9–15 March
    make_run(
        alice,
        module,
        name="two weeks ago",
        metrics={"val_ppl": 90.0},
        started_at=monday - timedelta(days=10),
    )
    make_run(
        alice,
        module,
        name="last week meh",
        metrics={"val_ppl": 140.0},
        started_at=monday - timedelta(days=6),
    )
    best = make_run(
        alice,
        module,
        name="last week best",
        metrics={"val_ppl": 120.0},
        started_at=monday - timedelta(days=3),
    )
    make_run(alice, module, name="last week, no metric", started_at=monday - timedelta(days=2))
    current = make_run(
        alice,
        module,
        name="today",
        metrics={"val_ppl": 110.0},
        started_at=monday + timedelta(days=2),
    )
    client.force_login(alice)

    response = client.get(f"/runs/{current.pk}/vs-last-week/")

    assert response.status_code == 302
    assert response["Location"] == f"/runs/compare/?run={best.pk}&run={current.pk}"
    page = client.get(response["Location"]).text
    assert "★ best" in page and "−10 (−8.3%) better" in " ".join(page.split())


@time_machine.travel(datetime(2026, 3, 11, 12, tzinfo=UTC), tick=False)
def test_higher_is_better_picks_the_highest(client, alice, module):
    ModuleMetric.objects.create(learner=alice, module=module, name="acc", lower_is_better=False)
    last_week = datetime(2026, 3, 4, 9, tzinfo=UTC)
    make_run(alice, module, name="low", metrics={"acc": 0.5}, started_at=last_week)
    high = make_run(alice, module, name="high", metrics={"acc": 0.7}, started_at=last_week)
    current = make_run(alice, module, metrics={"acc": 0.6})
    client.force_login(alice)
    location = client.get(f"/runs/{current.pk}/vs-last-week/")["Location"]
    assert location == f"/runs/compare/?run={high.pk}&run={current.pk}"


@time_machine.travel(datetime(2026, 3, 11, 12, tzinfo=UTC), tick=False)
def test_the_previous_week_is_the_learners_week(client, alice, module):
    # Now is Thursday 12 March in Auckland (UTC+13). A run at Sunday 8 March 11:30 UTC was
    # Monday 9 March 00:30 there: this week for the learner, though last week in UTC. It is
    # better, so a UTC week would wrongly pick it.
    alice.time_zone = "Pacific/Auckland"
    alice.save(update_fields=["time_zone"])
    ModuleMetric.objects.create(learner=alice, module=module, name="loss")
    this_week_early = make_run(
        alice,
        module,
        name="monday 00:30 local",
        metrics={"loss": 1.0},
        started_at=datetime(2026, 3, 8, 11, 30, tzinfo=UTC),
    )
    last = make_run(
        alice,
        module,
        name="last week",
        metrics={"loss": 2.0},
        started_at=datetime(2026, 3, 4, tzinfo=UTC),
    )
    current = make_run(alice, module, metrics={"loss": 1.5})
    client.force_login(alice)
    location = client.get(f"/runs/{current.pk}/vs-last-week/")["Location"]
    assert location == f"/runs/compare/?run={last.pk}&run={current.pk}"
    assert f"run={this_week_early.pk}&" not in location


def test_without_a_primary_metric_the_learner_is_asked_to_choose_one(client, alice, module):
    run = make_run(alice, module)
    client.force_login(alice)
    response = client.get(f"/runs/{run.pk}/vs-last-week/", follow=True)
    assert response.redirect_chain[-1][0] == f"/modules/{module.slug}/runs/"
    assert "Choose this module" in response.text


def test_with_no_run_the_week_before_the_run_page_says_so(client, alice, module):
    ModuleMetric.objects.create(learner=alice, module=module, name="loss")
    run = make_run(alice, module, metrics={"loss": 1.0})
    client.force_login(alice)
    response = client.get(f"/runs/{run.pk}/vs-last-week/", follow=True)
    assert response.redirect_chain[-1][0] == f"/runs/{run.pk}/"
    assert "No run of this module logged loss in the week before this run." in response.text


@pytest.mark.parametrize(
    "number", ["9999999999999999999999999", "-9999999999999999999999999", "9223372036854775808"]
)
def test_a_run_number_no_database_can_hold_is_refused_not_a_500(client, alice, module, number):
    run = make_run(alice, module, name="A")
    client.force_login(alice)
    response = client.get(f"/runs/compare/?run={run.pk}&run={number}")
    assert response.status_code == 400
    assert "Runs are chosen by their numbers." in response.text
