"""The rate limit and idempotency under concurrent requests, as gunicorn workers would send
them. On PostgreSQL only: SQLite runs one writer at a time and hides lost updates."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from learners.experiments import tokens
from learners.experiments.models import ApiToken, Run
from tests.access_experiments import make_token
from tests.factories import make_learner, make_modules

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (bin/with-postgres)")


def in_threads(count: int, work) -> list:
    """Run `work(index)` in `count` threads released together; their results, in order."""
    results: list = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_requests_never_get_past_the_limit(monkeypatch):
    monkeypatch.setattr(tokens, "RATE_LIMIT", 10)
    learner = make_learner("racer@example.com")
    make_token(learner)
    row = ApiToken.objects.get()
    now = datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)

    results = in_threads(30, lambda _: tokens.spend(row, now=now))

    assert sum(result is None for result in results) == 10
    row.refresh_from_db()
    assert row.window_count == 10


def test_concurrent_retries_with_one_idempotency_key_make_one_run():
    learner = make_learner("retrier@example.com")
    (module,) = make_modules(1)
    token = make_token(learner)[1]
    body = json.dumps({"module": module.slug, "metrics": {"loss": 1.5}, "seed": 3})

    def post(_):
        response = Client().post(
            "/api/v1/runs",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "one-key"},
        )
        return response.status_code, response.json()["id"]

    results = in_threads(8, post)

    assert Run.objects.count() == 1
    assert {run_id for _, run_id in results} == {Run.objects.get().pk}
    assert sorted(status for status, _ in results) == [200] * 7 + [201]
