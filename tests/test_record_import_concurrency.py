"""Two imports into one empty account at the same moment (two tabs, a double click): one
imports, the other is refused, and the record is not doubled. On PostgreSQL only: SQLite runs
one writer at a time and would hide the race."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from learners.models import Note, StudySession
from learners.record import export, importer
from tests.factories import make_learner, make_modules

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (bin/with-postgres)")


def test_concurrent_imports_into_one_account_import_once():
    (module,) = make_modules(1)
    source = make_learner("source@example.com")
    for day in range(1, 21):
        StudySession.objects.create(
            learner=source, module=module, date=f"2026-01-{day:02d}", minutes=30
        )
        Note.objects.create(learner=source, module=module, body=f"note {day}")
    document = export.export_document(source)
    target = make_learner("target@example.com")
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def run() -> None:
        try:
            start.wait()
            importer.import_document(target, importer.parse(json.dumps(document).encode()))
            outcomes.append("imported")
        except importer.ImportRefused as refusal:
            outcomes.append(str(refusal))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("imported") == 1, outcomes
    assert all("already holds data" in outcome for outcome in outcomes if outcome != "imported")
    assert StudySession.objects.filter(learner=target).count() == 20
    assert Note.objects.filter(learner=target).count() == 20
