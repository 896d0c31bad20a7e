"""A double click, two tabs or a resubmitted form record one row, not two."""

from __future__ import annotations

import re
import uuid

import pytest

from learners.models import Note, StudySession
from learners.record.models import Failure
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def module(client, alice):
    (module,) = make_modules(1)
    make_plan(alice, [module])
    client.force_login(alice)
    return module


def _key() -> str:
    return uuid.uuid4().hex


def test_the_forms_carry_a_fresh_key_each_time_they_are_shown(client, module):
    first = re.findall(r'name="submission" value="([0-9a-f]{32})"', client.get("/").text)
    second = re.findall(r'name="submission" value="([0-9a-f]{32})"', client.get("/").text)
    assert len(first) >= 2  # the quick log and the failure capture
    assert not set(first) & set(second)
    assert re.search(
        r'name="submission" value="[0-9a-f]{32}"', client.get(f"/modules/{module.slug}/").text
    )


def test_a_session_posted_twice_with_one_key_is_logged_once(client, alice, module):
    data = {
        "session-date": alice.local_today().isoformat(),
        "session-minutes": "30",
        "submission": _key(),
    }
    client.post("/sessions/", data)
    response = client.post("/sessions/", {**data, "page": "dashboard"}, headers=HTMX)
    assert response.status_code == 200
    assert StudySession.objects.count() == 1
    client.post("/sessions/", {**data, "submission": _key()})
    assert StudySession.objects.count() == 2


def test_a_note_posted_twice_with_one_key_is_saved_once(client, module):
    data = {"body": "once", "submission": _key()}
    client.post(f"/modules/{module.slug}/notes/", data)
    client.post(f"/modules/{module.slug}/notes/", data)
    assert Note.objects.count() == 1


def test_a_failure_posted_twice_with_one_key_is_logged_once(client, module):
    data = {
        "capture-module": module.slug,
        "capture-title": "Loss is NaN",
        "capture-category": "training",
        "submission": _key(),
    }
    first = client.post("/failures/capture/", data)
    client.post("/failures/capture/", data)
    assert first.status_code == 302
    assert Failure.objects.count() == 1


def test_a_post_without_a_key_still_works(client, alice, module):
    client.post(
        "/sessions/", {"session-date": alice.local_today().isoformat(), "session-minutes": "30"}
    )
    client.post(
        "/sessions/", {"session-date": alice.local_today().isoformat(), "session-minutes": "30"}
    )
    assert StudySession.objects.count() == 2


def test_keys_are_per_learner(client, alice, bob, module):
    key = _key()
    client.post(f"/modules/{module.slug}/notes/", {"body": "alice", "submission": key})
    client.force_login(bob)
    client.post(f"/modules/{module.slug}/notes/", {"body": "bob", "submission": key})
    assert Note.objects.count() == 2
