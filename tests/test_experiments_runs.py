"""Run pages: the list across modules (filters, metric sort), a module's runs and its primary
metric, one run with its diff, editing and deleting."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from learners.experiments.models import ModuleMetric, Run, RunMetric
from learners.experiments.views import RUNS_PER_PAGE
from learners.mentors import sections as mentor_sections
from learners.record.models import Failure
from tests.access_experiments import make_run
from tests.factories import make_modules

pytestmark = pytest.mark.django_db

DIFF = """diff --git a/model.py b/model.py
index 3b18e51..a9c2f0d 100644
--- a/model.py
+++ b/model.py
@@ -10,7 +10,7 @@ class LSTM(nn.Module):
     def __init__(self):
         super().__init__()
-        self.drop = nn.Dropout(0.2)
+        self.drop = nn.Dropout(0.5)
         self.rnn = nn.LSTM(650, 650, 2)
diff --git a/notes.txt b/notes.txt
new file mode 100644
--- /dev/null
+++ b/notes.txt
@@ -0,0 +1 @@
+try tied weights next
"""


@pytest.fixture
def modules():
    return make_modules(2)


def rows(page: str) -> list[str]:
    """The run names in a run table, in order."""
    if "<tbody>" not in page:
        return []
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [cell.split(">")[1].split("<")[0] for cell in body.split('<td><a href="/runs/')[1:]]


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_the_learners_runs_newest_first(client, alice, bob, modules):
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    make_run(alice, modules[0], name="older", started_at=now - timedelta(days=2))
    make_run(alice, modules[1], name="newer", started_at=now, git_sha="f" * 40, git_dirty=True)
    make_run(bob, modules[0], name="bob's run", started_at=now)
    client.force_login(alice)

    page = client.get("/runs/").text

    assert rows(page) == ["newer", "older"]
    assert "bob" not in page
    assert '<code title="' + "f" * 40 + '">fffffff</code>' in page
    assert ">dirty</span>" in page


def test_runs_are_filtered_by_module_outcome_and_dates(client, alice, modules):
    day = datetime(2026, 3, 2, 12, tzinfo=UTC)
    make_run(alice, modules[0], name="a", outcome="worked", started_at=day)
    make_run(alice, modules[0], name="b", outcome="failed", started_at=day - timedelta(days=3))
    make_run(alice, modules[1], name="c", outcome="worked", started_at=day - timedelta(days=6))
    client.force_login(alice)

    assert rows(client.get(f"/runs/?module={modules[0].slug}").text) == ["a", "b"]
    assert rows(client.get("/runs/?outcome=worked").text) == ["a", "c"]
    assert rows(client.get("/runs/?since=2026-02-26&until=2026-02-28").text) == ["b"]
    assert rows(client.get("/runs/?since=2026-03-02").text) == ["a"]


def test_dates_are_the_learners_own_days(client, alice, modules):
    alice.time_zone = "Pacific/Auckland"  # UTC+13 in March
    alice.save(update_fields=["time_zone"])
    make_run(alice, modules[0], name="late", started_at=datetime(2026, 3, 1, 12, tzinfo=UTC))
    client.force_login(alice)
    assert rows(client.get("/runs/?since=2026-03-02&until=2026-03-02").text) == ["late"]
    assert rows(client.get("/runs/?until=2026-03-01").text) == []


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01", "since=9999-12-31"])
def test_dates_no_bound_can_hold_are_named_and_ignored(client, alice, modules, query):
    # The day after 9999-12-31, or midnight of 0001-01-01 east of UTC, is no datetime at all.
    alice.time_zone = "Pacific/Auckland"
    alice.save(update_fields=["time_zone"])
    make_run(alice, modules[0], name="kept")
    client.force_login(alice)
    response = client.get(f"/runs/?{query}")
    assert response.status_code == 200
    assert "Choose a date from 1970 to 2999." in response.text
    assert rows(response.text) == ["kept"]


def test_runs_sort_by_a_metric_with_runs_missing_it_last(client, alice, modules):
    make_run(alice, modules[0], name="mid", metrics={"val_ppl": 150.0})
    make_run(alice, modules[0], name="none", metrics={"loss": 1.0})
    make_run(alice, modules[0], name="low", metrics={"val_ppl": 110.0})
    make_run(alice, modules[0], name="high", metrics={"val_ppl": 240.0})
    client.force_login(alice)

    ascending = client.get("/runs/?sort=val_ppl:asc").text
    assert rows(ascending) == ["low", "mid", "high", "none"]
    assert rows(client.get("/runs/?sort=val_ppl:desc").text) == ["high", "mid", "low", "none"]
    assert '<option value="val_ppl:asc" selected>' in ascending
    assert "110" in ascending.split(">low</a>")[1].split("</tr>")[0]


def test_invalid_filters_are_reported_and_ignored(client, alice, modules):
    make_run(alice, modules[0], name="a")
    client.force_login(alice)
    for query in (
        "?sort=nonsense:asc",
        "?outcome=great",
        "?since=yesterday",
        "?module=nope",
        "?since=2026-03-05&until=2026-03-01",
        "?page=x",
    ):
        response = client.get("/runs/" + query)
        assert response.status_code == 200, query
        assert rows(response.text) == ["a"] or "until" in query, query


def test_a_learner_without_runs_is_told_how_to_log_them(client, alice):
    client.force_login(alice)
    page = client.get("/runs/").text
    assert "No runs yet." in page
    assert 'href="/experiments/trajectory_client.py"' in page


def _many_runs(learner, modules, count: int) -> None:
    rng = random.Random(count)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    runs = Run.objects.bulk_create(
        Run(
            learner=learner,
            module=rng.choice(modules),
            name=f"run {i}",
            started_at=start + timedelta(hours=i),
            config={"lr": rng.random(), "layers": rng.randrange(1, 4)},
            git_sha=f"{i:040x}",
        )
        for i in range(count)
    )
    RunMetric.objects.bulk_create(
        RunMetric(run=run, name=name, value=rng.random() * 100, series=[[0, 1.0], [1, 0.5]])
        for run in runs
        for name in ("val_ppl", "train_loss")
    )


@pytest.mark.parametrize("count", [10, 1000])
def test_the_list_query_count_does_not_grow_with_runs(
    client, alice, modules, django_assert_num_queries, count
):
    _many_runs(alice, modules, count)
    ModuleMetric.objects.create(learner=alice, module=modules[0], name="val_ppl")
    client.force_login(alice)
    # session, user, modules with runs, metric names, count, the page of runs, their metrics,
    # the learner's primary metrics
    with django_assert_num_queries(8):
        response = client.get(f"/runs/?sort=val_ppl:asc&module={modules[0].slug}&outcome=")
    assert response.status_code == 200
    assert len(rows(response.text)) == min(Run.objects.filter(module=modules[0]).count(), 50)


# --- a module's runs and its primary metric ------------------------------------------------------


def test_the_module_page_sets_the_primary_metric(client, alice, modules):
    make_run(alice, modules[0], name="r", metrics={"val_ppl": 120.0, "acc": 0.4})
    client.force_login(alice)
    page = client.get(f"/modules/{modules[0].slug}/runs/").text
    assert '<option value="val_ppl">' in page  # the datalist offers logged names

    response = client.post(
        f"/modules/{modules[0].slug}/runs/metric/", {"name": " acc ", "lower_is_better": ""}
    )
    assert response.status_code == 302
    metric = ModuleMetric.objects.get(learner=alice, module=modules[0])
    assert (metric.name, metric.lower_is_better) == ("acc", False)

    client.post(
        f"/modules/{modules[0].slug}/runs/metric/", {"name": "val_ppl", "lower_is_better": "on"}
    )
    metric = ModuleMetric.objects.get(learner=alice, module=modules[0])
    assert (metric.name, metric.lower_is_better) == ("val_ppl", True)
    page = client.get(f"/modules/{modules[0].slug}/runs/").text
    assert "Your trajectory on val_ppl" in page
    assert "<svg" in page and 'class="curve-dot curve-2"' in page

    client.post(f"/modules/{modules[0].slug}/runs/metric/", {"name": ""})
    assert not ModuleMetric.objects.exists()


def test_a_too_long_metric_name_is_refused_at_the_field(client, alice, modules):
    client.force_login(alice)
    response = client.post(f"/modules/{modules[0].slug}/runs/metric/", {"name": "m" * 101})
    assert response.status_code == 422
    assert 'class="errorlist"' in response.text
    assert not ModuleMetric.objects.exists()


def test_an_unknown_module_is_404(client, alice):
    client.force_login(alice)
    assert client.get("/modules/nope/runs/").status_code == 404
    assert client.post("/modules/nope/runs/metric/", {"name": "x"}).status_code == 404


# --- one run ---------------------------------------------------------------------------------------


def test_the_run_page_shows_code_config_metrics_curves_and_notes(client, alice, modules):
    run = make_run(
        alice,
        modules[0],
        name="dropout 0.5",
        git_sha="0123456789abcdef0123456789abcdef01234567",
        git_branch="exp/dropout",
        git_dirty=True,
        git_diff=DIFF,
        command="python train.py --dropout 0.5",
        config={"optim": {"lr": 20}, "dropout": 0.5},
        seed=1234,
        outcome="worked",
        notes="Better than **0.2**.",
        metrics={"val_ppl": 112.4},
        series={"val_ppl": [[1, 240.0], [2, 150.0], [3, 112.4]]},
    )
    ModuleMetric.objects.create(learner=alice, module=modules[0], name="val_ppl")
    client.force_login(alice)

    page = client.get(f"/runs/{run.pk}/").text

    assert "0123456789abcdef0123456789abcdef01234567" in page
    assert "exp/dropout" in page
    assert "python train.py --dropout 0.5" in page
    assert "<code>optim.lr</code>" in page and "<code>20</code>" in page
    assert "seed 1234" in page
    assert "112.4" in page and "primary, lower is better" in page
    assert "<strong>0.2</strong>" in page
    assert 'class="curve curve-1"' in page and "val_ppl by step" in page
    # The diff, readably: a file per section, classified lines, line numbers, stats.
    assert page.count('<details class="diff-file" open>') == 2
    assert '<tr class="diff-del"><td class="diff-no">12</td><td class="diff-no"></td>' in page
    assert '<tr class="diff-add"><td class="diff-no"></td><td class="diff-no">12</td>' in page
    assert "<code>-        self.drop = nn.Dropout(0.2)</code>" in page
    assert "<code>+        self.drop = nn.Dropout(0.5)</code>" in page
    assert '<span class="diff-stat-add">+1</span> <span class="diff-stat-del">−1</span>' in page
    assert '<span class="badge">added</span>' in page  # notes.txt is a new file


def test_a_clean_run_says_the_commit_is_the_code(client, alice, modules):
    run = make_run(alice, modules[0], git_sha="a" * 40)
    client.force_login(alice)
    assert "is exactly the code that ran" in client.get(f"/runs/{run.pk}/").text


def test_a_cut_diff_is_flagged(client, alice, modules):
    run = make_run(alice, modules[0], git_dirty=True, git_diff=DIFF, git_diff_truncated=True)
    client.force_login(alice)
    assert "The diff was too long and was cut" in client.get(f"/runs/{run.pk}/").text


def test_another_learners_run_is_404_everywhere(client, alice, bob, modules):
    run = make_run(alice, modules[0])
    client.force_login(bob)
    for url in (f"/runs/{run.pk}/", f"/runs/{run.pk}/edit/", f"/runs/{run.pk}/vs-last-week/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/runs/{run.pk}/delete/").status_code == 404
    assert Run.objects.filter(pk=run.pk).exists()


def test_a_run_is_edited_and_linked_to_the_learners_own_failure(client, alice, bob, modules):
    run = make_run(alice, modules[0], name="old")
    mine = Failure.objects.create(
        learner=alice, module=modules[0], title="Hidden state leak", happened_on="2026-03-01"
    )
    theirs = Failure.objects.create(
        learner=bob, module=modules[0], title="Bob's failure", happened_on="2026-03-01"
    )
    client.force_login(alice)

    form = client.get(f"/runs/{run.pk}/edit/").text
    assert "Hidden state leak" in form and "Bob" not in form
    refused = client.post(
        f"/runs/{run.pk}/edit/", {"name": "new", "outcome": "failed", "failure": theirs.pk}
    )
    assert refused.status_code == 422
    run.refresh_from_db()
    assert (run.name, run.failure) == ("old", None)

    done = client.post(
        f"/runs/{run.pk}/edit/",
        {"name": "new", "outcome": "failed", "notes": "*leak*", "failure": mine.pk},
    )
    assert done.status_code == 302
    run.refresh_from_db()
    assert (run.name, run.outcome, run.failure, run.notes_html) == (
        "new",
        "failed",
        mine,
        "<p><em>leak</em></p>",
    )
    assert "Hidden state leak" in client.get(f"/runs/{run.pk}/").text


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "outcome": "worked"},
        {"name": "x", "outcome": "great"},
        {"name": "x" * 201, "outcome": "worked"},
        {"name": "x", "outcome": "worked", "notes": "n" * 20_001},
    ],
)
def test_invalid_edits_change_nothing(client, alice, modules, data):
    run = make_run(alice, modules[0], name="kept")
    client.force_login(alice)
    response = client.post(f"/runs/{run.pk}/edit/", data)
    assert response.status_code == 422
    assert 'class="errorlist"' in response.text
    run.refresh_from_db()
    assert run.name == "kept"


def test_a_run_stored_before_a_newer_api_rule_can_still_be_edited(client, alice, modules):
    # The API now refuses config numbers no double holds; runs logged before that stay editable.
    run = make_run(alice, modules[0], name="old", config={"vocab": 10**400})
    client.force_login(alice)
    response = client.post(f"/runs/{run.pk}/edit/", {"name": "renamed", "outcome": "worked"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.name == "renamed"
    assert client.get(f"/runs/{run.pk}/").status_code == 200


def test_a_run_is_deleted_with_its_metrics(client, alice, modules):
    run = make_run(alice, modules[0], metrics={"loss": 1.0})
    client.force_login(alice)
    assert client.post(f"/runs/{run.pk}/delete/").status_code == 302
    assert not Run.objects.exists() and not RunMetric.objects.exists()


# --- the client download ----------------------------------------------------------------------------


def test_anyone_can_download_the_client(client):
    response = client.get("/experiments/trajectory_client.py")
    assert response.status_code == 200
    assert 'attachment; filename="trajectory_client.py"' in response["Content-Disposition"]
    source = b"".join(response.streaming_content).decode()
    assert "def log_run(" in source
    imports = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from ")) and "__future__" not in line
    }
    # The standard library only.
    assert imports <= {
        "argparse", "json", "math", "os", "shlex", "subprocess", "sys", "time", "traceback",
        "urllib", "uuid", "warnings", "datetime",
    }  # fmt: skip


@time_machine.travel(datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False)
def test_the_module_section_shows_the_latest_runs(client, alice, modules):
    from tests.factories import make_plan

    make_plan(alice, modules)
    make_run(alice, modules[0], name="latest run", metrics={"val_ppl": 99.0}, git_dirty=True)
    ModuleMetric.objects.create(learner=alice, module=modules[0], name="val_ppl")
    client.force_login(alice)
    page = client.get(f"/modules/{modules[0].slug}/").text
    section = page.split('id="experiments-module"')[1].split("</section>")[0]
    assert "latest run" in section and "99" in section and ">dirty</span>" in section


@pytest.mark.parametrize("count", [10, 1000])
def test_the_module_runs_query_count_does_not_grow_with_runs(
    client, alice, modules, django_assert_num_queries, count
):
    _many_runs(alice, modules, count)
    ModuleMetric.objects.create(learner=alice, module=modules[0], name="val_ppl")
    client.force_login(alice)
    # session, user, module, primary metric, count, the page of runs, their metrics, the
    # chart's values, the two weeks' best, the metric names for the datalist
    with django_assert_num_queries(10):
        response = client.get(f"/modules/{modules[0].slug}/runs/")
    assert response.status_code == 200
    assert 'class="curve-dot curve-2"' in response.text


@pytest.mark.parametrize("points", [10, 10_000])
def test_the_run_page_query_count_does_not_grow_with_curves(
    client, alice, modules, django_assert_num_queries, points
):
    series = {f"m{i}": [[s, s / 7] for s in range(points)] for i in range(5)}
    run = make_run(alice, modules[0], series=series)
    client.force_login(alice)
    # session, user, the run with its module and failure, its metrics, the primary metric;
    # then what the mentors' comments and "ask" form cost
    with django_assert_num_queries(5 + mentor_sections.PAGE_QUERIES):
        response = client.get(f"/runs/{run.pk}/")
    assert response.text.count('<svg class="chart curves-chart"') == 5


def test_the_run_list_pages_keep_the_filters_and_say_the_total(client, alice, modules):
    for i in range(RUNS_PER_PAGE + 1):
        make_run(alice, modules[0], name=f"run {i}", outcome="worked")
    client.force_login(alice)
    first = client.get("/runs/", {"outcome": "worked"}).text
    assert f"Page 1 of 2 · {RUNS_PER_PAGE + 1} runs" in first
    assert '<a href="?outcome=worked&amp;page=2">Next →</a>' in first
    second = client.get("/runs/", {"outcome": "worked", "page": 2}).text
    assert '<a href="?outcome=worked&amp;page=1">← Previous</a>' in second
