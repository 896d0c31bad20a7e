"""The fuzzers' hostile inputs replayed against the real views, timed: the slowest request beside
the median.

The same values the suite's fuzzers send (tests/test_fuzz_forms.py, tests/test_fuzz_api.py) and
every input of bench/markdown_worst.py's corpus at 20,000 characters, as a logged-in learner
through Django's whole stack in this process (the test client: middleware, session, CSRF off,
templates), on a fresh database with a plan, notes, a failure and runs:

- markdown: every corpus input as the note preview (htmx), and the issue's shapes plus a
  sample of the corpus as a new note, a failure's lesson, a run's notes through the API, and
  a note inside an imported export;
- form fields: every fuzzer value in the note, failure, session, plan and run forms;
- query strings: every fuzzer value in the compare, timeline, run list, failure log, catalogue
  and weekly-preview parameters, ids no database holds included;
- the API: every API fuzzer value in each field of a run.

The preview's rate limit (30 a minute) is reset before each preview, so every input is timed.
Reported: the number of requests, their statuses (no 500 may appear), and of their CPU time
in this process (the database is SQLite, in the process too) the median, the 99th percentile
and the slowest ten, each named. Nothing here is in the test suite: timings vary
with the machine; the suite keeps the structural checks.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import date
from urllib.parse import urlencode

from bench import _support

HTMX = {"HTTP_HX_REQUEST": "true"}
ISSUE_SHAPES = {
    "[ × 20,000": "[" * 20_000,
    "![ × 4,000": "![" * 4_000,
    "[ × 8,000": "[" * 8_000,
    "[]( × 6,666": "[](" * 6_666,
    "<a  × 6,666": "<a " * 6_666,
    "- nested 3,000": "- " * 3_000 + "a",
}


def run() -> None:
    with _support.fresh_database():
        timings, statuses = _replay()
    ordered = sorted(timings, key=lambda row: row[0])
    seconds = [row[0] for row in ordered]
    median = statistics.median(seconds)
    p99 = seconds[int(len(seconds) * 0.99) - 1]
    print(f"{len(seconds):,} hostile requests; statuses: {dict(sorted(statuses.items()))}")
    print(f"  median {median * 1000:.1f} ms, 99th percentile {p99 * 1000:.1f} ms")
    print("  slowest 10:")
    for elapsed, name in reversed(ordered[-10:]):
        print(f"    {elapsed * 1000:8.1f} ms  {elapsed / median:6.1f}× median  {name}")
    print("  by kind (median / slowest):")
    groups: dict[str, list[float]] = {}
    for elapsed, name in ordered:
        kind = (
            name.split(" ")[0]
            if not name.startswith(("api run", "failure", "import"))
            else " ".join(name.split(" ")[:2])
        )
        groups.setdefault(kind, []).append(elapsed)
    for kind, values in sorted(groups.items()):
        print(
            f"    {kind:<16} {len(values):5} requests  {statistics.median(values) * 1000:7.1f} ms"
            f" / {max(values) * 1000:7.1f} ms"
        )
    slowest = ordered[-1]
    print(
        f"  slowest: {slowest[0] * 1000:.1f} ms ({slowest[1]}), {slowest[0] / median:.1f}× median"
    )


def _replay() -> tuple[list[tuple[float, str]], dict[int, int]]:
    from django.core.cache import cache
    from django.test import Client

    from bench.markdown_worst import corpus
    from learners.experiments.tokens import create_token
    from learners.models import Note
    from learners.record import export
    from tests import test_fuzz_api, test_fuzz_forms
    from tests.access_experiments import make_run
    from tests.factories import make_learner, make_modules, make_plan

    learner = make_learner("bench@example.com")
    modules = make_modules(3, prefix="bench")
    make_plan(learner, modules)
    module = modules[0]
    note = Note.objects.create(learner=learner, module=module, body="a note")
    runs = [make_run(learner, module, name=f"run {n}", metrics={"loss": 1.0}) for n in range(2)]
    _, token = create_token(learner, "bench")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(learner)
    timings: list[tuple[float, str]] = []
    statuses: dict[int, int] = {}

    def timed(name: str, send) -> None:
        start = time.process_time()  # CPU time: other programs on the machine weigh less
        response = send()
        timings.append((time.process_time() - start, name))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            raise AssertionError(f"{name}: {response.status_code}")

    # Warm up: the first request of a process loads templates, lexers and regexes.
    client.post("/notes/preview/", {"body": "*warm*"}, **HTMX)
    client.get("/")
    markdown = corpus(20_000) | ISSUE_SHAPES
    for name, text in markdown.items():
        cache.clear()  # the preview's rate limit: time every input, not the 429
        timed(
            f"preview {name}",
            lambda text=text: client.post("/notes/preview/", {"body": text}, **HTMX),
        )
    sample = dict(random.Random(12).sample(sorted(markdown.items()), 30)) | ISSUE_SHAPES
    for name, text in sample.items():
        timed(
            f"note {name}",
            lambda text=text: client.post(f"/modules/{module.slug}/notes/", {"body": text}),
        )
        timed(
            f"failure lesson {name}",
            lambda text=text: client.post(
                "/failures/new/",
                {
                    "module": module.slug,
                    "title": "t",
                    "category": "bug",
                    "lesson": text,
                    "happened_on": date.today().isoformat(),
                },
            ),
        )
        timed(
            f"api run notes {name}",
            lambda text=text: _api(client, token, {"module": module.slug, "notes": text}),
        )
    document = json.loads(json.dumps(export.export_document(learner), default=str))
    for name, text in [("ordinary note (the baseline)", "A *plain* note."), *ISSUE_SHAPES.items()]:
        document["data"]["learners.note"][0]["body"] = text
        other = make_learner(f"import-{len(timings)}@example.com")
        importer_client = Client(HTTP_HOST="127.0.0.1")
        importer_client.force_login(other)
        upload = _upload(json.dumps(document))
        timed(
            f"import note {name}",
            lambda c=importer_client, u=upload: c.post("/account/data/import/", {"file": u}),
        )

    forms = {
        f"/modules/{module.slug}/notes/": {"body": "x"},
        f"/notes/{note.pk}/edit/": {"body": "x"},
        "/failures/new/": {
            "module": module.slug,
            "title": "t",
            "category": "bug",
            "happened_on": date.today().isoformat(),
        },
        f"/runs/{runs[0].pk}/edit/": {"name": "x", "outcome": "worked"},
    }
    for url, base in forms.items():
        for field in base:
            for label, raw in test_fuzz_forms.VALUES.items():
                data = dict(base)
                if raw is None:
                    data.pop(field)
                else:
                    values = raw if isinstance(raw, list) else [raw]
                    data[field] = [value.decode("utf-8", "replace") for value in values]
                timed(
                    f"form {url} {field}={label}", lambda url=url, data=data: client.post(url, data)
                )

    queries = {
        "/runs/compare/": "run", "/timeline/": "before", "/runs/": "since", "/failures/": "kind",
        "/modules/": "q", "/email/weekly/preview/": "learner",
    }  # fmt: skip
    for url, parameter in queries.items():
        for label, raw in test_fuzz_forms.VALUES.items():
            if raw is None:
                continue
            values = raw if isinstance(raw, list) else [raw]
            pairs = [(parameter, value.decode("utf-8", "replace")) for value in values]
            if parameter == "run":
                pairs.insert(0, ("run", str(runs[0].pk)))
            query = urlencode(pairs)
            timed(
                f"query {url}?{parameter}={label}",
                lambda url=url, query=query: client.get(f"{url}?{query}"),
            )

    for field in ("name", "notes", "seed", "started_at", "config", "metrics", "outcome"):
        for label, value in test_fuzz_api.VALUES.items():
            body = {"module": module.slug, field: value}
            timed(f"api {field}={label}", lambda body=body: _api(client, token, body))
    return timings, statuses


def _api(client, token: str, body: dict):
    from learners.experiments.models import ApiToken

    ApiToken.objects.update(window_count=0)  # the API's per-token rate limit: time every body
    try:
        data = json.dumps(body)
    except (ValueError, TypeError):  # 10**400: sent as the digits a script would send
        data = json.dumps(body, default=str)
    return client.post(
        "/api/v1/runs", data=data, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("export.json", text.encode(), content_type="application/json")
