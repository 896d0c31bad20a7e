"""`POST /api/v1/runs` and `GET /api/v1/runs`: logging runs from scripts, every error as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from learners.experiments import payload, tokens
from learners.experiments.models import ApiToken, Run, RunMetric
from tests.access_experiments import make_run, make_token
from tests.factories import make_modules

pytestmark = pytest.mark.django_db

URL = "/api/v1/runs"
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def modules():
    return make_modules(2)


@pytest.fixture
def token(alice):
    return make_token(alice)[1]


def post(client, token: str | None, body, **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def get(client, token: str | None, query: str = "", **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(URL + query, headers=headers)


def full_body(module) -> dict:
    return {
        "module": module.slug,
        "name": "2 layers, dropout 0.5",
        "started_at": "2026-03-02T14:05:00+01:00",
        "git": {
            "sha": SHA,
            "branch": "main",
            "dirty": True,
            "diff": "diff --git a/model.py b/model.py\n-dropout = 0.2\n+dropout = 0.5\n",
        },
        "command": "python train.py --config wt2.json",
        "config": {"lr": 20, "dropout": 0.5, "optim": {"name": "sgd", "clip": 0.25}},
        "seed": 1234,
        "metrics": {
            "val_ppl": {"value": 112.4, "series": [[1, 240.5], [2, 150], [3, 112.4]]},
            "train_loss": 4.5,
        },
        "outcome": "worked",
        "notes": "Dropout *helps*.",
    }


# --- success ------------------------------------------------------------------------------------


def test_a_script_logs_a_run_with_everything(client, alice, modules, token):
    response = post(client, token, full_body(modules[0]))

    assert response.status_code == 201, response.json()
    run = Run.objects.get()
    assert (run.learner, run.module) == (alice, modules[0])
    assert run.name == "2 layers, dropout 0.5"
    assert run.started_at == datetime(2026, 3, 2, 13, 5, tzinfo=UTC)
    assert (run.git_sha, run.git_branch, run.git_dirty) == (SHA, "main", True)
    assert "+dropout = 0.5" in run.git_diff
    assert run.git_diff_truncated is False
    assert run.config["optim"] == {"name": "sgd", "clip": 0.25}
    assert (run.seed, run.outcome, run.command) == (
        1234,
        "worked",
        "python train.py --config wt2.json",
    )
    assert run.notes_html == "<p>Dropout <em>helps</em>.</p>"
    metrics = {m.name: m for m in RunMetric.objects.filter(run=run)}
    assert metrics["val_ppl"].value == 112.4
    assert metrics["val_ppl"].series == [[1, 240.5], [2, 150], [3, 112.4]]
    assert (metrics["train_loss"].value, metrics["train_loss"].series) == (4.5, [])
    body = response.json()
    assert body["id"] == run.pk
    assert body["url"].endswith(f"/runs/{run.pk}/")
    assert response["Location"] == body["url"]
    assert body["metrics"] == {"train_loss": 4.5, "val_ppl": 112.4}
    assert body["git"]["dirty"] is True


def test_only_the_module_is_required(client, modules, token):
    response = post(client, token, {"module": modules[0].slug})
    assert response.status_code == 201
    run = Run.objects.get()
    assert run.name.startswith("Run of ")
    assert (run.outcome, run.git_dirty, run.config) == ("inconclusive", False, {})


def test_a_metric_given_only_as_a_series_ends_on_its_last_point(client, modules, token):
    body = {"module": modules[0].slug, "metrics": {"loss": {"series": [[0, 5.0], [10, 2.5]]}}}
    assert post(client, token, body).status_code == 201
    assert RunMetric.objects.get().value == 2.5


def test_a_diff_over_the_limit_is_cut_at_a_line_and_flagged(client, modules, token):
    line = "+" + "x" * 99 + "\n"
    diff = line * (payload.MAX_DIFF_CHARS // len(line) + 50)
    body = {"module": modules[0].slug, "git": {"sha": SHA, "dirty": True, "diff": diff}}
    assert post(client, token, body).status_code == 201
    run = Run.objects.get()
    assert run.git_diff_truncated is True
    assert len(run.git_diff) <= payload.MAX_DIFF_CHARS
    assert run.git_diff.endswith("\n") and run.git_diff.startswith(line)


def test_the_token_is_marked_used(client, alice, modules, token):
    row = ApiToken.objects.get()
    assert row.last_used_at is None
    post(client, token, {"module": modules[0].slug})
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_learner_lists_their_own_runs_of_a_module(client, alice, bob, modules, token):
    mine = make_run(alice, modules[0], name="mine", metrics={"val_ppl": 120.0})
    make_run(alice, modules[1], name="other module")
    make_run(bob, modules[0], name="bob's run")

    response = get(client, token, f"?module={modules[0].slug}")

    assert response.status_code == 200
    runs = response.json()["runs"]
    assert [run["id"] for run in runs] == [mine.pk]
    assert runs[0]["metrics"] == {"val_ppl": 120.0}
    assert response.json()["next"] is None
    everything = get(client, token).json()["runs"]
    assert {run["name"] for run in everything} == {"mine", "other module"}


def test_the_list_pages_with_limit_and_offset(client, alice, modules, token):
    for index in range(5):
        make_run(alice, modules[0], name=f"run {index}")
    first = get(client, token, "?limit=2").json()
    assert len(first["runs"]) == 2
    assert "offset=2" in first["next"]
    rest = get(client, token, "?limit=2&offset=4").json()
    assert (len(rest["runs"]), rest["next"]) == (1, None)


# --- idempotency --------------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_makes_one_run(client, modules, token):
    body = full_body(modules[0])
    first = post(client, token, body, **{"Idempotency-Key": "3f1c-retry"})
    again = post(client, token, body, **{"Idempotency-Key": "3f1c-retry"})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Run.objects.count() == 1
    assert RunMetric.objects.count() == 2


def test_the_same_body_with_keys_in_another_order_is_the_same_request(client, modules, token):
    body = full_body(modules[0])
    reordered = dict(reversed(list(body.items())))
    post(client, token, body, **{"Idempotency-Key": "k1"})
    assert post(client, token, reordered, **{"Idempotency-Key": "k1"}).status_code == 200
    assert Run.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_with_422(client, modules, token):
    post(client, token, {"module": modules[0].slug, "seed": 1}, **{"Idempotency-Key": "k"})
    response = post(
        client, token, {"module": modules[0].slug, "seed": 2}, **{"Idempotency-Key": "k"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    assert Run.objects.count() == 1


def test_idempotency_keys_are_per_learner(client, bob, modules, token):
    bob_token = make_token(bob)[1]
    body = {"module": modules[0].slug}
    assert post(client, token, body, **{"Idempotency-Key": "same"}).status_code == 201
    assert post(client, bob_token, body, **{"Idempotency-Key": "same"}).status_code == 201
    assert Run.objects.count() == 2


def test_without_a_key_each_post_is_a_new_run(client, modules, token):
    post(client, token, {"module": modules[0].slug})
    post(client, token, {"module": modules[0].slug})
    assert Run.objects.count() == 2


# --- errors ---------------------------------------------------------------------------------------


def test_an_unknown_module_is_404(client, token):
    response = post(client, token, {"module": "no-such-module"})
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_module"
    assert "module" in response.json()["fields"]
    assert not Run.objects.exists()
    assert get(client, token, "?module=no-such-module").status_code == 404


def test_a_retired_module_takes_no_new_runs(client, modules, token):
    modules[0].retired_at = modules[0].created_at
    modules[0].save(update_fields=["retired_at"])
    assert post(client, token, {"module": modules[0].slug}).status_code == 404


def test_a_body_over_the_limit_is_413_before_it_is_read(client, modules, token):
    big = json.dumps({"module": modules[0].slug, "notes": "x" * payload.MAX_BODY_BYTES})
    response = post(client, token, big)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert not Run.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"module": "m-0000", "seed": NaN}', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"", "not valid JSON"),
    ],
)
def test_a_body_that_is_not_json_is_400(client, modules, token, body, message):
    response = post(client, token, body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert message in response.json()["message"]
    assert not Run.objects.exists()


BIG = 2**63
INVALID = [
    ("body", []),
    ("module", {"module": None}),
    ("module", {"module": 12}),
    ("module", {"module": "../../etc"}),
    ("name", {"name": "x" * 201}),
    ("name", {"name": "   "}),
    ("name", {"name": 5}),
    ("started_at", {"started_at": "yesterday"}),
    ("started_at", {"started_at": "2026-03-02T14:05:00"}),
    ("started_at", {"started_at": "2999-01-01T00:00:00Z"}),
    ("started_at", {"started_at": "1999-12-31T23:00:00Z"}),
    ("git", {"git": "abc"}),
    ("git.sha", {"git": {"sha": "not-a-sha"}}),
    ("git.sha", {"git": {"sha": "abc"}}),
    ("git.branch", {"git": {"branch": "b" * 201}}),
    ("git.dirty", {"git": {"dirty": "yes"}}),
    ("git.diff", {"git": {"diff": "+x\n", "dirty": False}}),
    ("git.diff", {"git": {"diff": 12, "dirty": True}}),
    ("git.colour", {"git": {"colour": "red"}}),
    ("command", {"command": ["python", "train.py"]}),
    ("config", {"config": [1, 2]}),
    ("config", {"config": {"a": 1e400}}),
    ("config", {"config": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}}}),
    ("config", {"config": {f"k{i}": i for i in range(1001)}}),
    ("seed", {"seed": 1.5}),
    ("seed", {"seed": True}),
    ("seed", {"seed": BIG}),
    ("seed", {"seed": "42"}),
    ("metrics", {"metrics": [1]}),
    ("metrics", {"metrics": {f"m{i}": 1 for i in range(51)}}),
    ("metrics.val_ppl", {"metrics": {"val_ppl": "112"}}),
    ("metrics.val_ppl", {"metrics": {"val_ppl": True}}),
    ("metrics.val_ppl", {"metrics": {"val_ppl": 1e400}}),
    ("metrics.val_ppl", {"metrics": {"val_ppl": {}}}),
    ("metrics.val_ppl.value", {"metrics": {"val_ppl": {"value": "x"}}}),
    ("metrics.val_ppl.series", {"metrics": {"val_ppl": {"series": "0,1"}}}),
    ("metrics.val_ppl.series", {"metrics": {"val_ppl": {"series": [[0]]}}}),
    ("metrics.val_ppl.series", {"metrics": {"val_ppl": {"series": [[0, "1"]]}}}),
    ("metrics.val_ppl.series", {"metrics": {"val_ppl": {"series": [[0, 1]] * 10_001}}}),
    ("metrics.val_ppl.unit", {"metrics": {"val_ppl": {"value": 1, "unit": "nats"}}}),
    (f"metrics.{'m' * 100}", {"metrics": {"m" * 101: 1}}),
    ("metrics. padded ", {"metrics": {" padded ": 1}}),
    ("outcome", {"outcome": "great"}),
    ("notes", {"notes": "x" * 20_001}),
    ("notes", {"notes": "nul \x00 byte"}),
    ("colour", {"colour": "red"}),
]


@pytest.mark.parametrize(
    ("field", "change"), INVALID, ids=[f"{f}-{i}" for i, (f, _) in enumerate(INVALID)]
)
def test_every_invalid_field_is_400_with_a_message_at_that_field(
    client, modules, token, field, change
):
    body = change if isinstance(change, list) else {"module": modules[0].slug, **change}
    # 1e400 is valid JSON that overflows to infinity (json.dumps would write "Infinity").
    response = post(client, token, json.dumps(body).replace("Infinity", "1e400"))
    assert response.status_code == 400, response.json()
    answer = response.json()
    assert answer["error"] == "invalid"
    assert field in answer["fields"], answer
    assert all(isinstance(m, str) and m for m in answer["fields"][field])
    assert not Run.objects.exists()


def test_every_error_is_reported_at_once(client, modules, token):
    body = {"module": modules[0].slug, "seed": "x", "outcome": "great", "git": {"sha": "zz"}}
    fields = post(client, token, body).json()["fields"]
    assert set(fields) == {"seed", "outcome", "git.sha"}


@pytest.mark.parametrize("key", ["", "a" * 201, "spaces in key", "ключ"])
def test_a_malformed_idempotency_key_is_400(client, modules, token, key):
    response = post(client, token, {"module": modules[0].slug}, **{"Idempotency-Key": key})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]


@pytest.mark.parametrize("query", ["?limit=0", "?limit=201", "?limit=x", "?offset=-1"])
def test_bad_list_parameters_are_400(client, token, query):
    response = get(client, token, query)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(client, token, method):
    response = getattr(client, method)(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json()["error"] == "method_not_allowed"


# --- tokens -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        "Bearer trj_wrong",
        "Bearer not-even-our-prefix",
        "Bearer trj_a trj_b",
    ],
)
def test_a_missing_or_wrong_token_is_401(client, modules, token, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = post(client, None, {"module": modules[0].slug}, **headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith('Bearer realm="Trajectory API"')
    assert not Run.objects.exists()


def test_a_revoked_token_is_401_at_once(client, alice, modules, token):
    assert post(client, token, {"module": modules[0].slug}).status_code == 201
    tokens.revoke(ApiToken.objects.get())
    response = post(client, token, {"module": modules[0].slug})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert get(client, token).status_code == 401
    assert Run.objects.count() == 1


def test_the_token_of_a_deactivated_account_is_401(client, alice, modules, token):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert post(client, token, {"module": modules[0].slug}).status_code == 401


def test_the_token_is_never_stored_in_clear(client, alice, modules):
    client.force_login(alice)
    page = client.post("/settings/tokens/", {"name": "GPU box"})
    token = page.context["new_token"]
    assert token.startswith("trj_") and len(token) >= 4 + 43
    assert post(client, token, {"module": modules[0].slug}).status_code == 201

    row = ApiToken.objects.get()
    assert row.token_hash == tokens.hash_token(token) != token
    assert token.startswith(row.prefix) and len(row.prefix) < len(token) // 3
    # No column of any table holds the token: dump every row of every table and look.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — names from introspection
            for row_values in cursor.fetchall():
                assert token not in repr(row_values), table


# --- the rate limit ---------------------------------------------------------------------------------


def test_over_the_rate_limit_is_429_with_retry_after(client, modules, token, monkeypatch):
    monkeypatch.setattr(tokens, "RATE_LIMIT", 3)
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, 15, tzinfo=UTC), tick=False):
        for _ in range(3):
            assert get(client, token).status_code == 200
        response = post(client, token, {"module": modules[0].slug})
        assert response.status_code == 429
        assert response["Retry-After"] == "45"
        assert response.json()["error"] == "too_many_requests"
    assert not Run.objects.exists()
    with time_machine.travel(datetime(2026, 3, 2, 12, 1, 0, tzinfo=UTC), tick=False):
        assert post(client, token, {"module": modules[0].slug}).status_code == 201


def test_the_limit_is_per_token(client, alice, modules, token, monkeypatch):
    monkeypatch.setattr(tokens, "RATE_LIMIT", 1)
    other = make_token(alice, "second")[1]
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, 15, tzinfo=UTC), tick=False):
        assert get(client, token).status_code == 200
        assert get(client, token).status_code == 429
        assert get(client, other).status_code == 200


def test_requests_without_a_valid_token_spend_nothing(client, modules, token, monkeypatch):
    monkeypatch.setattr(tokens, "RATE_LIMIT", 1)
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, 15, tzinfo=UTC), tick=False):
        for _ in range(5):
            get(client, "trj_wrong")
        assert get(client, token).status_code == 200


def test_the_window_is_counted_in_the_database(alice, token, monkeypatch):
    monkeypatch.setattr(tokens, "RATE_LIMIT", 2)
    row = ApiToken.objects.get()
    now = datetime(2026, 3, 2, 12, 0, 59, tzinfo=UTC)
    assert tokens.spend(row, now=now) is None
    assert tokens.spend(row, now=now) is None
    assert tokens.spend(row, now=now).retry_after == 1
    row.refresh_from_db()
    assert (row.window_count, row.window_started_at) == (2, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    later = now + timedelta(seconds=1)
    assert tokens.spend(row, now=later) is None
    row.refresh_from_db()
    assert row.window_count == 1


@pytest.mark.parametrize(
    "series",
    [
        [[1, -9e307], [2, 9e307]],
        [[1, -9.99e307], [2, 9.99e307], [3, 0]],
        [[1, 0], [2, 5e-324]],
        [[0, 1], [5e-324, 2]],
        [[1, 3], [2, 3]],
        [[1e300, 1], [9.9e307, 2]],  # the API refuses 1e308 and up (payload.py)
    ],
)
def test_a_run_with_extreme_finite_metrics_shows_on_every_page_and_can_be_deleted(
    client, alice, modules, token, series
):
    response = post(
        client, token, {"module": modules[0].slug, "metrics": {"s": {"series": series}}}
    )
    assert response.status_code == 201
    run = Run.objects.get(learner=alice)
    client.force_login(alice)
    other = post(client, token, {"module": modules[0].slug, "metrics": {"s": {"value": 1}}})
    assert other.status_code == 201
    pages = [
        f"/runs/{run.pk}/",
        f"/runs/compare/?run={run.pk}&run={other.json()['id']}",
        f"/modules/{modules[0].slug}/runs/",
        "/runs/",
        f"/modules/{modules[0].slug}/",
        "/",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    # With s as the module's primary metric, its chart of runs draws the extremes too.
    client.post(f"/modules/{modules[0].slug}/runs/metric/", {"name": "s"})
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert client.post(f"/runs/{run.pk}/delete/").status_code == 302
    assert not Run.objects.filter(pk=run.pk).exists()
