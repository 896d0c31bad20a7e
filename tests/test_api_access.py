"""Who may use the runs API: the owner's token, another learner's token, no token, a revoked
token, and a logged-in browser session without a token (which must never act as its user)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from learners.experiments import tokens
from learners.experiments.models import ApiToken, Run
from tests.access_experiments import make_run, make_token
from tests.factories import make_modules

pytestmark = pytest.mark.django_db

URL = "/api/v1/runs"


@pytest.fixture
def world(alice, bob):
    modules = make_modules(2)
    alice_run = make_run(alice, modules[0], name="alice's private run", metrics={"loss": 1.0})
    bob_run = make_run(bob, modules[1], name="bob's own run")
    return {
        "modules": modules,
        "alice_run": alice_run,
        "bob_run": bob_run,
        "alice_token": make_token(alice)[1],
        "bob_token": make_token(bob)[1],
    }


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post(client, body: dict, headers: dict):
    return client.post(URL, json.dumps(body), content_type="application/json", headers=headers)


def test_the_owner_lists_and_logs_their_runs(client, alice, world):
    listed = client.get(URL, headers=bearer(world["alice_token"]))
    assert [run["id"] for run in listed.json()["runs"]] == [world["alice_run"].pk]
    made = post(client, {"module": world["modules"][0].slug}, bearer(world["alice_token"]))
    assert made.status_code == 201
    assert Run.objects.get(pk=made.json()["id"]).learner == alice


def test_another_learner_sees_none_of_the_owners_runs(client, world):
    for query in ("", f"?module={world['modules'][0].slug}"):
        response = client.get(URL + query, headers=bearer(world["bob_token"]))
        assert response.status_code == 200
        names = {run["name"] for run in response.json()["runs"]}
        assert "alice's private run" not in names
        assert names <= {"bob's own run"}


def test_another_learner_logging_on_the_owners_module_makes_their_own_run(
    client, alice, bob, world
):
    before = list(Run.objects.filter(learner=alice).values())
    response = post(client, {"module": world["modules"][0].slug}, bearer(world["bob_token"]))
    assert response.status_code == 201
    assert Run.objects.get(pk=response.json()["id"]).learner == bob
    assert list(Run.objects.filter(learner=alice).values()) == before


def test_another_learner_cannot_replay_the_owners_idempotency_key(client, alice, bob, world):
    body = {"module": world["modules"][0].slug, "seed": 7}
    first = post(client, body, {**bearer(world["alice_token"]), "Idempotency-Key": "k-1"})
    second = post(client, body, {**bearer(world["bob_token"]), "Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert Run.objects.get(pk=second.json()["id"]).learner == bob


def test_no_token_is_401_for_both_methods(client, world):
    assert client.get(URL).status_code == 401
    assert post(client, {"module": world["modules"][0].slug}, {}).status_code == 401
    assert Run.objects.count() == 2


def test_a_revoked_token_is_401(client, world):
    tokens.revoke(ApiToken.objects.get(learner=world["alice_run"].learner))
    assert client.get(URL, headers=bearer(world["alice_token"])).status_code == 401
    body = {"module": world["modules"][0].slug}
    assert post(client, body, bearer(world["alice_token"])).status_code == 401
    assert Run.objects.count() == 2


def test_a_logged_in_browser_session_without_a_token_gets_401_and_acts_as_nobody(alice, world):
    # A browser with alice's session cookie and a valid CSRF token, as a forged cross-site
    # request would carry: the API must not treat it as alice.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    browser.get("/settings/tokens/")  # sets the CSRF cookie
    csrf = browser.cookies[settings.CSRF_COOKIE_NAME].value
    assert browser.cookies[settings.SESSION_COOKIE_NAME].value

    listed = browser.get(URL)
    made = browser.post(
        URL,
        json.dumps({"module": world["modules"][0].slug}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    form = browser.post(URL, {"module": world["modules"][0].slug, "csrfmiddlewaretoken": csrf})

    assert (listed.status_code, made.status_code, form.status_code) == (401, 401, 401)
    assert "alice's private run" not in listed.text
    assert Run.objects.count() == 2


def test_a_session_cookie_does_not_change_whose_token_it_is(alice, bob, world):
    # Logged in as alice, sending bob's token: the request is bob's, the cookie is ignored.
    browser = Client()
    browser.force_login(alice)
    response = browser.get(URL, headers=bearer(world["bob_token"]))
    assert {run["name"] for run in response.json()["runs"]} == {"bob's own run"}
