"""The runs API given what no client should send: every field of learners/experiments/payload.py
(and each nested one: git.*, config keys and values, metric names, values and curve points)
replaced in turn by oversized, empty, wrong-type and unicode-edge values; whole bodies that are
not JSON, too deep, too big or the wrong shape; odd headers and query parameters.

Each answer is JSON with an error code (4xx) and changes nothing, or a 201 whose run then shows
on every page that shows runs (no 500 there either, and the export still downloads). Never a
500. Each trial runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client

from learners.experiments.models import ModuleMetric, Run, RunMetric
from learners.experiments.payload import FIELDS, GIT_FIELDS, MAX_BODY_BYTES
from tests.access_experiments import make_run, make_token
from tests.factories import make_modules, make_plan
from tests.test_fuzz_forms import ERRORS, snapshot

pytestmark = pytest.mark.django_db

URL = "/api/v1/runs"
RUN_MODELS = (Run, RunMetric, ModuleMetric)


def deep(levels: int):
    value: list | dict = []
    for _ in range(levels):
        value = [value]
    return value


STRINGS = {
    "empty string": "",
    "whitespace": " \t\r\n\u00a0 ",
    "100 KB string": "x" * 100_000,
    "NUL": "ab\x00cd",
    "lone surrogate": "a\ud800b",
    "RTL override": "\u202etxt.exe",
    "zero-width": "\u200b\u200d\ufeff",
    "emoji": "👩🏽‍💻🔥 e" + "\u0301" * 50,
    "markup": '"><img src=x onerror=alert(1)>',
    "number as text": "12",
}
OTHERS = {
    "huge integer": 10**400,
    "negative": -1,
    "zero": 0,
    "float": 1.5,
    "huge float": 1e308,
    "tiny float": -5e-324,
    "true": True,
    "false": False,
    "null": None,
    "empty list": [],
    "list of strings": ["a", "b"],
    "empty object": {},
    "object": {"a": 1},
    "nested 50 deep": deep(50),
}
VALUES = {**STRINGS, **OTHERS}


def valid_body(module) -> dict:
    started = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return {
        "module": module.slug,
        "name": "Baseline run",
        "started_at": started,
        "git": {
            "sha": "a" * 40,
            "branch": "main",
            "dirty": True,
            "diff": "diff --git a/x b/x\n+1\n",
            "diff_truncated": False,
        },
        "command": "python train.py --lr 0.1",
        "config": {"lr": 0.1, "layers": [1, 2], "optim": {"name": "adam"}},
        "seed": 7,
        "metrics": {"loss": {"value": 1.0, "series": [[0, 2.0], [1, 1.0]]}, "acc": 0.5},
        "outcome": "worked",
        "notes": "A *baseline*.",
    }


# Where in the body a value goes: a path of keys (and list indexes) into it.
PLACES: list[tuple] = [
    *[(name,) for name in sorted(FIELDS)],
    *[("git", name) for name in sorted(GIT_FIELDS)],
    ("config", "lr"),
    ("config", "optim", "name"),
    ("config", "layers", 0),
    ("metrics", "acc"),
    ("metrics", "loss", "value"),
    ("metrics", "loss", "series"),
    ("metrics", "loss", "series", 0),
    ("metrics", "loss", "series", 0, 1),
    ("metrics", "loss", "series", 0, 0),
]
# JSON object keys are strings, so key positions get only the string values.
KEY_PLACES = [("config",), ("config", "optim"), ("metrics",)]
STRING_FIELDS = {("name",), ("command",), ("notes",), ("git", "branch"), ("git", "diff")}


def put(body: dict, place: tuple, value) -> dict:
    body = json.loads(json.dumps(body))
    target = body
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    return body


def put_key(body: dict, place: tuple, key: str) -> dict:
    body = json.loads(json.dumps(body))
    target = body
    for step in place:
        target = target[step]
    target[key] = {"value": 1.0} if place == ("metrics",) else 1
    return body


@dataclass
class Tally:
    trials: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    pages: int = 0  # page views checked after accepted runs
    problems: list[str] = field(default_factory=list)


@dataclass
class Api:
    client: Client
    token: str
    module: object
    other_run: Run
    before: tuple = ()

    def post(self, raw: bytes, **headers):
        return self.client.generic(
            "POST",
            URL,
            raw,
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token}", **headers},
        )


@pytest.fixture
def api(alice) -> Api:
    modules = make_modules(2)
    make_plan(alice, modules)
    client = Client(raise_request_exception=False)
    client.force_login(alice)  # for the pages that show the run afterwards
    other = make_run(alice, modules[0], name="other", metrics={"loss": 2.0})
    ModuleMetric.objects.create(learner=alice, module=modules[0], name="loss")
    api = Api(client=client, token=make_token(alice)[1], module=modules[0], other_run=other)
    api.before = snapshot(RUN_MODELS)
    return api


# The pages that show a run's text, config and metrics, and what a learner downloads: none may
# fail on what was stored. (The dashboard and module page show only its name and a metric,
# which the pages here show too.)
def pages_of(run_id: int, api: Api) -> list[str]:
    return [
        f"/runs/{run_id}/",
        f"/runs/{run_id}/edit/",
        "/runs/?sort=loss:asc",
        f"/runs/compare/?run={run_id}&run={api.other_run.pk}",
        f"/runs/{run_id}/vs-last-week/",
        f"/modules/{api.module.slug}/runs/",
        "/account/data/export.json",
        "/account/data/journal.md",
        "/email/weekly/preview/email/",
    ]


# Accepted values that can't upset a page more than the baseline does: pages are checked once
# for them, not after every trial.
PLAIN = {"zero", "negative", "float", "false", "true", "null", "empty list", "empty object"}


def trial(
    api: Api, where: str, raw: bytes, tally: Tally, *, label="", expect_refusal=False, **headers
):
    tally.trials[where.split(" ", 1)[0]] += 1
    with transaction.atomic():
        response = api.post(raw, **headers)
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.problems.append(f"{where}: {response.status_code} {ERRORS.take()}")
        elif response["Content-Type"] != "application/json":
            tally.problems.append(f"{where}: answered {response['Content-Type']}")
        elif response.status_code >= 400:
            answer = response.json()
            if not (answer.get("error") and answer.get("message")):
                tally.problems.append(f"{where}: {response.status_code} without a reason")
            if snapshot(RUN_MODELS) != api.before:
                tally.problems.append(f"{where}: refused ({response.status_code}) but saved")
        else:
            if expect_refusal:
                tally.problems.append(f"{where}: accepted ({response.status_code})")
            run_id = response.json()["id"]
            shown_before = label in PLAIN and tally.pages
            for url in [] if shown_before else pages_of(run_id, api):
                tally.pages += 1
                shown = api.client.get(url)
                if shown.status_code >= 500:
                    tally.problems.append(f"{where}: then {url} is a 500 {ERRORS.take()}")
            listed = api.client.get(URL, headers={"Authorization": f"Bearer {api.token}"})
            if listed.status_code >= 500:
                tally.problems.append(f"{where}: then GET {URL} is a 500 {ERRORS.take()}")
        transaction.set_rollback(True)


def encode(body) -> bytes:
    # ensure_ascii (the default) writes a lone surrogate as \ud800, as a client's JSON may.
    return json.dumps(body).encode()


def report(capsys, tally: Tally) -> None:
    with capsys.disabled():
        print(
            f"\nAPI: {sum(tally.trials.values())} trials, answers "
            f"{dict(sorted(tally.statuses.items()))}, {tally.pages} pages checked after, "
            f"{len(tally.problems)} problems"
        )
        for name, count in sorted(tally.trials.items()):
            print(f"  {name:<28} {count:>5}")


def test_every_field_refuses_or_survives_every_value(api, capsys):
    tally = Tally()
    base = valid_body(api.module)
    trial(api, "baseline", encode(base), tally)
    assert tally.statuses == Counter({201: 1}), tally.problems
    for place in PLACES:
        for label, value in VALUES.items():
            wrong_type = place in STRING_FIELDS and not isinstance(value, str) and value is not None
            refuse = (
                wrong_type
                or label == "lone surrogate"
                or (place in STRING_FIELDS and label == "NUL")
            )
            name = ".".join(map(str, place))
            raw = encode(put(base, place, value))
            trial(api, f"{name} {label}", raw, tally, label=label, expect_refusal=refuse)
        # The field left out altogether.
        if len(place) == 1:
            body = {key: value for key, value in base.items() if key != place[0]}
            trial(
                api, f"{place[0]} missing", encode(body), tally, expect_refusal=place == ("module",)
            )
    for place in KEY_PLACES:
        for label, key in STRINGS.items():
            name = ".".join(place) + "[key]"
            refuse = label in {"NUL", "lone surrogate"}
            trial(
                api,
                f"{name} {label}",
                encode(put_key(base, place, key)),
                tally,
                expect_refusal=refuse,
            )
    report(capsys, tally)
    assert tally.problems == [], "\n".join(tally.problems)
    assert sum(tally.trials.values()) > 400


def test_bodies_that_are_not_a_run_are_refused_with_a_reason(api, capsys):
    tally = Tally()
    base = encode(valid_body(api.module))
    bodies = {
        "empty": b"",
        "whitespace": b"  \n ",
        "not JSON": b"module=m-0000",
        "invalid UTF-8": b'{"module": "\xff\xfe"}',
        "UTF-16": json.dumps(valid_body(api.module)).encode("utf-16"),
        "a NUL byte": base[:-1] + b"\x00}",
        "NaN": base.replace(b'"seed": 7', b'"seed": NaN'),
        "Infinity": base.replace(b'"acc": 0.5', b'"acc": Infinity'),
        "a 5000-digit number": base.replace(b'"seed": 7', b'"seed": ' + b"9" * 5000),
        "a list": b"[1, 2]",
        "a string": b'"run"',
        "null": b"null",
        "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
        "objects nested 100,000 deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "config nested 20 deep": encode(put(valid_body(api.module), ("config",), {"a": deep(20)})),
        "config of 5,000 values": encode(
            put(valid_body(api.module), ("config",), {str(i): i for i in range(5_000)})
        ),
        "metrics: 500 of them": encode(
            put(valid_body(api.module), ("metrics",), {f"m{i}": 1.0 for i in range(500)})
        ),
        "a series of 20,000 points": encode(
            put(
                valid_body(api.module),
                ("metrics", "loss", "series"),
                [[i, 1.0] for i in range(20_000)],
            )
        ),
        "duplicate keys": base[:-1] + b', "name": "second"}',
        "a truncated body": base[: len(base) // 2],
        "over the size limit": encode(
            put(valid_body(api.module), ("notes",), "x" * (MAX_BODY_BYTES + 1))
        ),
        "unknown fields": encode({**valid_body(api.module), "secret": 1, "learner": 2}),
        "unknown git fields": encode(put(valid_body(api.module), ("git", "learner"), 2)),
        "a future start": encode(
            put(valid_body(api.module), ("started_at",), "2999-01-01T00:00:00Z")
        ),
        "a start without offset": encode(
            put(valid_body(api.module), ("started_at",), "2026-01-01T00:00:00")
        ),
        "an unknown module": encode(put(valid_body(api.module), ("module",), "no-such-module")),
        "a diff on a clean tree": encode(put(valid_body(api.module), ("git", "dirty"), False)),
    }
    accepted_by_design = {"duplicate keys"}  # JSON's last value wins, as in every parser here
    for label, raw in bodies.items():
        trial(api, f"body {label}", raw, tally, expect_refusal=label not in accepted_by_design)
    report(capsys, tally)
    assert tally.problems == [], "\n".join(tally.problems)


def test_odd_headers_and_content_types_are_refused_or_harmless(api, capsys):
    tally = Tally()
    raw = encode(valid_body(api.module))
    keys = {
        "empty": "",
        "spaces": "   ",
        "300 characters": "k" * 300,
        "non-ASCII": "clé-ü",
        "control characters": "a\tb",
    }
    for label, key in keys.items():
        trial(
            api,
            f"Idempotency-Key {label}",
            raw,
            tally,
            expect_refusal=True,
            **{"Idempotency-Key": key},
        )
    for label, length in {"negative": "-1", "not a number": "lots", "huge": "9" * 30}.items():
        trial(api, f"Content-Length {label}", raw, tally, CONTENT_LENGTH=length)
    report(capsys, tally)
    assert tally.problems == [], "\n".join(tally.problems)


def test_the_list_survives_every_query_parameter(api, capsys):
    problems = []
    tried = 0
    values = [*STRINGS.values(), "-1", "0", "1.5", "9" * 400, "1e9", "\u0663"]
    for name in ("limit", "offset", "module"):
        for value in values:
            tried += 1
            query = quote(value.encode("utf-8", "surrogatepass"), safe="")
            response = api.client.get(
                f"{URL}?{name}={query}", headers={"Authorization": f"Bearer {api.token}"}
            )
            if response.status_code >= 500:
                problems.append(f"?{name}={value[:20]!r}: 500 {ERRORS.take()}")
            elif response.status_code != 200 and not response.json().get("error"):
                problems.append(f"?{name}={value[:20]!r}: {response.status_code} without a reason")
    with capsys.disabled():
        print(f"\nAPI list: {tried} query values, {len(problems)} problems")
    assert problems == [], "\n".join(problems)
