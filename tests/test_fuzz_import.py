"""The import form's file, given what no export holds: each field of each kind of row (and each
account setting) replaced in turn by oversized, empty, wrong-type and unicode-edge values, and
whole files that are not exports. Through the real form (multipart upload, as a browser sends
it), into an empty account.

Each answer is a refusal with its reason at the file field that changes nothing, or an import
after which every page that shows the imported rows still works (and exports again). Never a
500. Each trial runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from learners.experiments.models import ModuleMetric
from learners.models import Note, StudySession
from learners.record import export
from learners.record.data_views import IMPORT_ERROR
from learners.record.models import Failure
from tests.access_experiments import make_run, make_token
from tests.factories import make_learner, make_list, make_modules, make_plan
from tests.test_fuzz_api import deep
from tests.test_fuzz_forms import ERRORS, snapshot

pytestmark = pytest.mark.django_db

URL = "/account/data/import/"

VALUES = {
    "empty string": "",
    "whitespace": " \t\n\u00a0",
    "100 KB string": "x" * 100_000,
    "NUL": "ab\x00cd",
    "lone surrogate": "a\ud800b",
    "RTL override": "\u202etxt.exe",
    "emoji": "👩🏽‍💻🔥 e" + "\u0301" * 50,
    "markup": '"><img src=x onerror=alert(1)>',
    "huge integer": 10**400,
    "negative": -1,
    "float": 1.5,
    "NaN": float("nan"),
    "infinity": float("inf"),
    "true": True,
    "null": None,
    "list": ["a"],
    "object": {"a": 1},
    "nested 50 deep": deep(50),
}
# What to try on a field depends on what it holds in an export: text gets every text value and
# the wrong types; numbers every number and the wrong types; the rest, a bit of everything.
WRONG_TYPES = ["huge integer", "list", "object", "null", "true"]
FOR_TEXT = [
    "empty string", "whitespace", "100 KB string", "NUL", "lone surrogate", "RTL override",
    "emoji", "markup", *WRONG_TYPES,
]  # fmt: skip
FOR_NUMBERS = ["huge integer", "negative", "float", "NaN", "infinity", "empty string", "emoji",
               "true", "null", "list", "nested 50 deep"]  # fmt: skip
FOR_OTHERS = ["empty string", "lone surrogate", "negative", "NaN", "true", "null", "list",
              "object", "nested 50 deep"]  # fmt: skip
# Values the pages are checked against after an accepted import (the others can't reach a page
# in a form the baseline didn't already show).
SHOWN = {"100 KB string", "NUL", "RTL override", "emoji", "markup", "huge integer", "NaN",
         "infinity", "nested 50 deep", "object", "list", "float", "negative"}  # fmt: skip


def values_for(example) -> list[str]:
    if isinstance(example, str):
        return FOR_TEXT
    if isinstance(example, int | float) and not isinstance(example, bool):
        return FOR_NUMBERS
    return FOR_OTHERS


def pages(learner) -> list[str]:
    """Every page that shows what was imported, and the downloads."""
    from learners.experiments.models import Run
    from learners.models import Plan

    urls = [
        "/", "/plans/", "/sessions/", "/timeline/", "/failures/", "/failures/lessons/", "/runs/",
        "/account/data/", "/account/data/export.json", "/account/data/journal.md",
        "/email/weekly/preview/email/",
    ]  # fmt: skip
    runs = list(Run.objects.filter(learner=learner).values_list("pk", flat=True))
    urls += [f"/runs/{pk}/" for pk in runs]
    if len(runs) >= 2:
        urls.append(f"/runs/compare/?run={runs[0]}&run={runs[1]}")
    urls += [
        f"/plans/{pk}/" for pk in Plan.objects.filter(learner=learner).values_list("pk", flat=True)
    ]
    urls += [
        f"/failures/{pk}/"
        for pk in Failure.objects.filter(learner=learner).values_list("pk", flat=True)
    ]
    urls += [
        f"/modules/{slug}/runs/"
        for slug in ModuleMetric.objects.filter(learner=learner).values_list(
            "module__slug", flat=True
        )
    ]
    return urls


@pytest.fixture
def document(alice) -> dict:
    """A rich export: a row of every kind that has pages, each field filled."""
    modules = make_modules(2)
    track = make_list(modules)
    plan = make_plan(alice, modules, module_list=track)
    Note.objects.create(learner=alice, module=modules[0], body="A *note*")
    StudySession.objects.create(
        learner=alice, module=modules[0], date=date(2026, 1, 5), minutes=30, description="Read"
    )
    failure = Failure.objects.create(
        learner=alice, module=modules[0], plan=plan, title="NaN loss", lesson="Clip",
        what_happened="It diverged", minutes_lost=30, happened_on=date(2026, 1, 5),
    )  # fmt: skip
    make_run(
        alice, modules[0], name="run", config={"lr": 0.1, "optim": {"name": "adam"}},
        metrics={"loss": 1.0}, series={"loss": [[0, 2.0], [1, 1.0]]}, git_sha="a" * 40,
        command="python train.py", notes="ok", seed=3, failure=failure,
    )  # fmt: skip
    ModuleMetric.objects.create(learner=alice, module=modules[0], name="loss")
    make_token(alice)
    return json.loads(json.dumps(export.export_document(alice), default=str))


@pytest.fixture
def carol(db):
    return make_learner("carol@example.com")


def upload(client: Client, raw: bytes):
    return client.post(URL, {"file": SimpleUploadedFile("export.json", raw, "application/json")})


class Trials:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.before = snapshot()
        self.count = Counter()
        self.problems: list[str] = []

    def run(self, where: str, raw: bytes, *, check_pages: bool) -> None:
        cookies = self.client.cookies
        self.client.cookies = type(cookies)(cookies)
        with transaction.atomic():
            response = upload(self.client, raw)
            reason = self.client.session.get(IMPORT_ERROR)
            if response.status_code >= 500:
                self.problems.append(f"{where}: {response.status_code} {ERRORS.take()}")
                self.count["500"] += 1
            elif reason:
                self.count["refused"] += 1
                if snapshot() != self.before:
                    self.problems.append(f"{where}: refused but saved")
            elif response.status_code != 302:
                self.problems.append(f"{where}: answered {response.status_code}")
            else:
                self.count["imported"] += 1
                learner = response.wsgi_request.user
                for url in pages(learner) if check_pages else []:
                    shown = self.client.get(url)
                    if shown.status_code >= 500:
                        self.problems.append(f"{where}: then {url} is a 500 {ERRORS.take()}")
            transaction.set_rollback(True)
        self.client.cookies = cookies


# The fields are tried in this many shares, each its own test, so that the pytest-xdist workers
# share them (the whole walk is minutes of imports: one test would be the pass's long tail).
SHARES = 4


@pytest.mark.parametrize("share", range(SHARES))
def test_every_field_of_every_row_refuses_or_survives_every_value(document, carol, capsys, share):
    client = Client(raise_request_exception=False)
    client.force_login(carol)
    trials = Trials(client)
    trials.run("the export itself", json.dumps(document).encode(), check_pages=True)
    assert trials.count == Counter({"imported": 1}), trials.problems

    places = [("account", None, name) for name in document["account"]]
    for kind, rows in document["data"].items():
        if rows:
            places += [("data", kind, name) for name in rows[0] if name != "id"]
    assert len(places) > 10 * SHARES  # every share tries many fields
    places = places[share::SHARES]
    for section, kind, name in places:
        original = document["account"] if section == "account" else document["data"][kind][0]
        for label in values_for(original[name]):
            changed = json.loads(json.dumps(document))
            target = changed["account"] if section == "account" else changed["data"][kind][0]
            target[name] = VALUES[label]
            # allow_nan: a file may hold NaN, which Python's json reads (and JSON forbids).
            raw = json.dumps(changed).encode()
            trials.run(f"{kind or 'account'}.{name} {label}", raw, check_pages=label in SHOWN)
    with capsys.disabled():
        print(
            f"\nimport, share {share + 1} of {SHARES}: {sum(trials.count.values())} files on "
            f"{len(places)} fields, "
            f"{dict(trials.count)}, {len(trials.problems)} problems"
        )
    assert trials.problems == [], "\n".join(trials.problems)


def test_files_that_are_not_exports_are_refused_with_a_reason(document, carol):
    client = Client(raise_request_exception=False)
    client.force_login(carol)
    trials = Trials(client)
    good = json.dumps(document).encode()
    files = {
        "empty": b"",
        "whitespace": b" \n",
        "a NUL byte": b"\x00",
        "not JSON": b"format=trajectory-export",
        "invalid UTF-8": b'{"format": "\xff"}',
        "UTF-16": json.dumps(document).encode("utf-16"),
        "a list": b"[]",
        "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
        "a 5000-digit version": good.replace(
            f'"version": {export.VERSION}'.encode(), b'"version": ' + b"9" * 5000
        ),
        "a lone surrogate in a key": good.replace(b'"account"', b'"\\ud800"', 1),
        "rows that aren't objects": json.dumps(
            {**document, "data": {"learners.note": [1]}}
        ).encode(),
        "a truncated file": good[: len(good) // 2],
    }
    for label, raw in files.items():
        trials.run(label, raw, check_pages=False)
    assert trials.problems == [], "\n".join(trials.problems)
    assert trials.count == Counter({"refused": len(files)})
