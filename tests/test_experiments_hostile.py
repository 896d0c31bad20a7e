"""Every text a script or a learner puts into a run — name, notes, command, branch, diff,
config keys and values, metric names, the primary metric — is tried with every hostile
payload, through the API, and every page that shows it stays inert.

Pages legitimately contain forms and SVG charts, which `active_content` also reports; so each
page is rendered once for a run of harmless text and once for the hostile run, and the
hostile one must report exactly what the harmless one does, nothing more.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from learners.experiments.models import ModuleMetric, Run
from tests.access_experiments import make_run, make_token
from tests.factories import make_modules, make_plan
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

pytestmark = pytest.mark.django_db


def body(module, text: str) -> dict:
    line = text.replace("\n", " ")
    return {
        "module": module.slug,
        "name": line[:200],
        "command": text,
        "notes": text,
        "git": {
            "sha": "a" * 40,
            "branch": line[:200],
            "dirty": True,
            "diff": f"diff --git a/{line} b/{line}\n@@ -1 +1 @@\n-{text}\n+{text}\n",
        },
        "config": {line: text, "nested": {line: [text]}},
        "metrics": {line[:100]: {"value": 1.5, "series": [[0, 2.0], [1, 1.5]]}, "loss": 1.0},
    }


def pages(client, module, run: Run, other: Run) -> dict[str, str]:
    urls = {
        "list": "/runs/",
        "sorted": f"/runs/?sort={run.metrics.order_by('name').first().name}:asc",
        "detail": f"/runs/{run.pk}/",
        "edit": f"/runs/{run.pk}/edit/",
        "compare": f"/runs/compare/?run={run.pk}&run={other.pk}",
        "module_runs": f"/modules/{module.slug}/runs/",
        "module": f"/modules/{module.slug}/",
        "dashboard": "/",
        "api": "/api/v1/runs",
    }
    return {name: client.get(url).text for name, url in urls.items()}


def render_all(client, alice, module, text: str, token: str) -> dict[str, str]:
    Run.objects.filter(learner=alice).delete()
    ModuleMetric.objects.filter(learner=alice).delete()
    response = client.post(
        "/api/v1/runs",
        json.dumps(body(module, text)),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json()
    run = Run.objects.get(pk=response.json()["id"])
    metric = next(m.name for m in run.metrics.all() if m.name != "loss")
    ModuleMetric.objects.create(learner=alice, module=module, name=metric)
    other = make_run(alice, module, name="other", config={"lr": 1}, metrics={metric: 2.0})
    return pages(client, module, run, other)


@pytest.fixture
def setup(client, alice):
    (module,) = make_modules(1)
    make_plan(alice, [module])
    client.force_login(alice)
    return module, make_token(alice)[1]


@pytest.mark.parametrize("payload", payloads() + HTMX_PAYLOADS)
def test_hostile_run_text_shows_nothing_that_runs_on_any_page(client, alice, setup, payload):
    module, token = setup
    benign = render_all(client, alice, module, "benign text", token)
    hostile = render_all(client, alice, module, payload, token)
    for name, page in hostile.items():
        if name == "api":
            continue
        assert Counter(active_content(page)) == Counter(active_content(benign[name])), name
    run = Run.objects.get(learner=alice, name=payload.replace("\n", " ")[:200])
    assert active_content(run.notes_html) == [], run.notes_html
    assert run.notes_html in hostile["detail"]  # the page shows exactly the sanitized HTML
    # The API answers JSON, never HTML a browser would run.
    api = client.get("/api/v1/runs", headers={"Authorization": f"Bearer {token}"})
    assert api["Content-Type"] == "application/json"
    assert json.loads(api.text)["runs"][1]["notes"] == payload


@pytest.mark.parametrize("payload", payloads() + HTMX_PAYLOADS)
def test_a_hostile_primary_metric_name_is_inert(client, alice, setup, payload):
    module, _ = setup
    make_run(alice, module, metrics={"x": 1.0})
    benign_response = client.post(f"/modules/{module.slug}/runs/metric/", {"name": "benign"})
    assert benign_response.status_code == 302
    benign = client.get(f"/modules/{module.slug}/runs/").text
    client.post(f"/modules/{module.slug}/runs/metric/", {"name": payload[:100]})
    page = client.get(f"/modules/{module.slug}/runs/").text
    assert Counter(active_content(page)) == Counter(active_content(benign))
