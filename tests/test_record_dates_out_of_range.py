"""Dates no page can show: the importer refuses them with the row and the rule, as the forms
and the API would; and whatever is stored already (an import from before that rule, the
admin, a shell), every page that formats dates still answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import time_machine

from learners.experiments.models import Run
from learners.models import Note, StudySession
from learners.record import export, importer
from learners.record.importer import ImportRefused
from learners.record.models import Failure
from tests.access_experiments import make_run
from tests.factories import make_learner, make_modules, make_plan

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def learner():
    alice = make_learner("alice@example.com", time_zone="Pacific/Kiritimati")
    modules = make_modules(1)
    make_plan(alice, modules)
    module = modules[0]
    Note.objects.create(learner=alice, module=module, body="a note")
    StudySession.objects.create(learner=alice, module=module, date=date(2026, 3, 1), minutes=30)
    Failure.objects.create(learner=alice, module=module, title="f", happened_on=date(2026, 3, 1))
    make_run(alice, module, started_at=datetime(2026, 3, 1, tzinfo=UTC))
    return alice


def document_with(learner, kind: str, field: str, value: str) -> dict:
    document = json.loads(json.dumps(export.export_document(learner)))
    document["data"][kind][0][field] = value
    return document


# Each value the issue found, in the zone that pushes it over the edge of the calendar.
OUT_OF_RANGE = {
    "note at the end of time, UTC+14": ("learners.note", "created_at", "9999-12-31T23:00:00Z"),
    "note at the start of time": ("learners.note", "created_at", "0001-01-01T00:30:00Z"),
    "session on the last day": ("learners.studysession", "date", "9999-12-31"),
    "failure on the last day": ("record.failure", "happened_on", "9999-12-31"),
    "run in year 1": ("experiments.run", "started_at", "0001-01-01T00:00:00Z"),
    "run in year 9999": ("experiments.run", "started_at", "9999-12-31T00:00:00Z"),
    "failure before 2000": ("record.failure", "happened_on", "1999-12-31"),
    "session next week": ("learners.studysession", "date", "2026-03-11"),
}


@pytest.mark.parametrize("case", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_the_importer_refuses_a_date_the_forms_and_the_api_would_refuse(learner, case):
    kind, field, value = case
    carol = make_learner("carol@example.com", time_zone="Pacific/Honolulu")
    with pytest.raises(ImportRefused) as refused:
        importer.import_document(carol, document_with(learner, kind, field, value))
    assert f" #1: {field}: " in str(refused.value)  # the row, the field and the rule
    assert not Note.objects.filter(learner=carol).exists()


def test_the_importer_takes_dates_the_forms_take(learner):
    carol = make_learner("carol@example.com")
    document = document_with(learner, "learners.studysession", "date", "2026-03-05")  # tomorrow
    importer.import_document(carol, document)
    assert StudySession.objects.get(learner=carol).date == date(2026, 3, 5)


STORED = {
    "note at the end of time": (Note, "created_at", datetime(9999, 12, 31, 23, tzinfo=UTC)),
    "note at the start of time": (Note, "created_at", datetime(1, 1, 1, 0, 30, tzinfo=UTC)),
    "session on the last day": (StudySession, "date", date(9999, 12, 31)),
    "session on the first day": (StudySession, "date", date(1, 1, 1)),
    "failure on the last day": (Failure, "happened_on", date(9999, 12, 31)),
    "run in year 1": (Run, "started_at", datetime(1, 1, 1, tzinfo=UTC)),
    "run in year 9999": (Run, "started_at", datetime(9999, 12, 31, 23, tzinfo=UTC)),
}


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Honolulu"])
@pytest.mark.parametrize("case", STORED.values(), ids=STORED.keys())
def test_every_page_that_formats_dates_answers_whatever_is_stored(client, learner, case, zone):
    model, field, value = case
    learner.time_zone = zone
    learner.save(update_fields=["time_zone"])
    model.objects.filter(learner=learner).update(**{field: value})
    note = Note.objects.get(learner=learner)
    module = note.module
    client.force_login(learner)
    pages = [
        "/",
        "/timeline/",
        f"/modules/{module.slug}/",
        f"/notes/{note.pk}/edit/",
        "/account/data/journal.md",
        "/account/data/export.json",
        "/failures/",
        f"/failures/{Failure.objects.get(learner=learner).pk}/",
        "/runs/",
        f"/runs/{Run.objects.get(learner=learner).pk}/",
        f"/modules/{module.slug}/runs/",
        "/sessions/",
        "/email/weekly/preview/",
        "/email/weekly/preview/email/",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    # and what is stored can still be changed and deleted
    edit = client.post(f"/notes/{note.pk}/edit/", {"body": "edited"})
    assert edit.status_code == 302
    assert client.post(f"/notes/{note.pk}/delete/").status_code == 302
    assert not Note.objects.filter(pk=note.pk).exists()
