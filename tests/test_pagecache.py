"""Cached page sections (learners/web/pagecache.py): served again while nothing changed, never
once something did, and never with another response's tokens.

The dashboard and the module page keep their heavy section under the learner's record version
and date. Every way the record can change must move the version: a write through the site, a
row saved anywhere else, the account's settings, the curriculum.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learners.models import Note, StudySession, User
from learners.web import pagecache
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEYS = re.compile(r'name="submission" value="([0-9a-f]{32})"')
NONCE = re.compile(r'nonce="[^"]+"|"x-csrftoken": "[^"]+"')


@pytest.fixture
def modules():
    return make_modules(3, checkpoints=3)


@pytest.fixture
def planned(client, alice, modules):
    make_plan(alice, modules)
    client.force_login(alice)
    return alice


def queries(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.text


def test_a_second_look_at_the_dashboard_reads_only_the_session_and_the_learner(client, planned):
    cold, first = queries(client, "/")
    warm, second = queries(client, "/")
    assert cold > 15
    assert warm == 2  # session, user: the version is on the user's row
    assert _without_tokens(first) == _without_tokens(second)


def test_a_second_look_at_a_module_page_reads_only_the_module_besides(client, planned, modules):
    path = f"/modules/{modules[0].slug}/"
    cold, first = queries(client, path)
    warm, second = queries(client, path)
    assert cold > 12
    assert warm == 3  # session, user, the module (its title and a 404 need it)
    assert _without_tokens(first) == _without_tokens(second)


def test_every_form_in_a_cached_section_gets_a_fresh_token_and_key(client, planned):
    client.get("/")
    pages = [client.get("/").text for _ in range(2)]
    tokens = [CSRF.findall(page) for page in pages]
    keys = [KEYS.findall(page) for page in pages]
    assert len(tokens[0]) >= 4 and len(keys[0]) >= 2
    # No token or key repeats, within a page or between two.
    assert len(set(tokens[0] + tokens[1])) == len(tokens[0]) + len(tokens[1])
    assert len(set(keys[0] + keys[1])) == len(keys[0]) + len(keys[1])


def test_a_token_from_a_cached_page_is_accepted(planned, modules):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(planned)
    browser.get("/")
    page = browser.get("/").text  # from the cache
    token = CSRF.findall(page)[-1]
    key = KEYS.findall(page)[0]
    response = browser.post(
        "/sessions/",
        {
            "csrfmiddlewaretoken": token,
            "submission": key,
            "session-date": planned.local_today().isoformat(),
            "session-minutes": "25",
        },
    )
    assert response.status_code == 302
    assert StudySession.objects.filter(learner=planned, minutes=25).exists()


@pytest.mark.parametrize(
    ("write", "shown"),
    [
        (
            lambda m: (f"/modules/{m.slug}/checkpoints/c0/", {"ticked": "on"}),
            'data-count="checkpoints">1<',
        ),
        (lambda m: (f"/modules/{m.slug}/status/", {"status": "done"}), "Done"),
        (lambda m: (f"/modules/{m.slug}/confidence/", {"confidence": "4"}), "confidence 4/5"),
        (
            lambda m: ("/sessions/", {"session-minutes": "90", "session-date": "TODAY"}),
            'data-count="hours-week">1.5<',
        ),
        (
            lambda m: (
                "/failures/capture/",
                {"capture-module": m.slug, "capture-title": "Oops", "capture-category": "bug"},
            ),
            "Oops",
        ),
    ],
    ids=["tick", "status", "confidence", "session", "failure"],
)
def test_a_write_through_the_site_shows_on_the_next_look(client, planned, modules, write, shown):
    assert shown not in client.get("/").text
    client.get("/")
    path, data = write(modules[0])
    data = {k: planned.local_today().isoformat() if v == "TODAY" else v for k, v in data.items()}
    assert client.post(path, data).status_code == 302
    assert shown in client.get("/").text


def test_a_note_saved_through_the_site_shows_on_the_module_page(client, planned, modules):
    path = f"/modules/{modules[0].slug}/"
    client.get(path)
    client.post(f"/modules/{modules[0].slug}/notes/", {"body": "A note about *masks*"})
    assert "A note about <em>masks</em>" in client.get(path).text


def test_an_htmx_write_moves_the_version_too(client, planned, modules):
    client.get("/")
    before = User.objects.get(pk=planned.pk).record_version
    client.post(
        f"/modules/{modules[0].slug}/checkpoints/c0/",
        {"ticked": "on", "page": "dashboard"},
        headers=HTMX,
    )
    assert User.objects.get(pk=planned.pk).record_version == before + 1  # once, not per row
    assert '<strong data-count="checkpoints">1</strong>' in client.get("/").text


def test_a_row_saved_outside_any_request_shows_on_the_next_look(client, planned, modules):
    path = f"/modules/{modules[0].slug}/"
    client.get(path)
    Note.objects.create(learner=planned, module=modules[0], body="from the shell")
    assert "from the shell" in client.get(path).text
    Note.objects.filter(learner=planned).get().delete()
    assert "from the shell" not in client.get(path).text


def test_the_api_moves_the_version(client, planned, modules):
    from learners.experiments.tokens import create_token

    client.get("/")
    _token, secret = create_token(planned, "laptop")
    before = User.objects.get(pk=planned.pk).record_version
    response = client.post(
        "/api/v1/runs",
        {"module": modules[0].slug, "name": "from the api"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201
    assert User.objects.get(pk=planned.pk).record_version > before


def test_settings_saved_show_on_the_next_look(client, planned):
    client.get("/")
    planned.display_name = "Ada"
    planned.save(update_fields=["display_name"])
    assert "Ada" in client.get("/").text


def test_a_curriculum_load_that_changes_a_title_shows_to_every_learner(client, alice, tmp_path):
    from curriculum.models import Module
    from tests.curriculum_helpers import load, module_file, write

    write(tmp_path, "lm.md", module_file("lm", title="First title"))
    assert load(tmp_path).status == 0
    make_plan(alice, [Module.objects.get(slug="lm")])
    client.force_login(alice)
    assert "First title" in client.get("/").text
    write(tmp_path, "lm.md", module_file("lm", title="A brand-new title"))
    assert load(tmp_path).status == 0
    assert "A brand-new title" in client.get("/").text


def test_a_new_day_is_a_new_entry(client, planned):
    now = timezone.now()
    with time_machine.travel(now, tick=False) as traveller:
        client.get("/")
        assert queries(client, "/")[0] == 2
        traveller.shift(timedelta(days=1))
        assert queries(client, "/")[0] > 2  # a new day: the week, the pace, the heatmap move


def test_another_learner_never_sees_my_cached_page(client, planned, bob, modules):
    client.get("/")
    client.force_login(bob)
    text = client.get("/").text
    assert "Build a chatbot" not in text  # Alice's plan goal
    assert "Welcome, Bob." in text


def test_only_a_logged_in_get_reads_or_fills_the_cache(rf, planned):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = planned
    assert pagecache.cacheable(request)
    request = rf.post("/")  # a form sent back with its errors renders afresh
    request.user = planned
    assert not pagecache.cacheable(request)
    request = rf.get("/")
    request.user = AnonymousUser()
    assert not pagecache.cacheable(request)


def test_the_key_names_the_learner_version_day_and_path(rf, planned):
    request = rf.get("/?a=1")
    request.user = planned
    key = pagecache.key(request, "dashboard")
    assert key.startswith(f"dashboard:{planned.pk}:")
    assert f":{planned.record_version}:{planned.local_today().isoformat()}:page:" in key
    other = rf.get("/?a=2")
    other.user = planned
    assert pagecache.key(other, "dashboard") != key  # another query string, another entry
    long = rf.get("/?" + "x=1&" * 500)
    long.user = planned
    assert len(pagecache.key(long, "dashboard")) < 250


def _without_tokens(html: str) -> str:
    return NONCE.sub("", KEYS.sub("", CSRF.sub("", html)))
