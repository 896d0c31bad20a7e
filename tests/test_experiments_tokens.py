"""`/settings/tokens/`: make a token (shown once), list them, revoke one."""

from __future__ import annotations

import pytest

from learners.experiments import tokens
from learners.experiments.models import ApiToken
from tests.access_experiments import make_token
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

pytestmark = pytest.mark.django_db


def test_the_settings_page_links_to_the_tokens_page(client, alice):
    client.force_login(alice)
    assert 'href="/settings/tokens/"' in client.get("/settings/").text
    assert client.get("/settings/tokens/").status_code == 200


def test_a_new_token_is_shown_once_with_how_to_use_it(client, alice):
    client.force_login(alice)
    response = client.post("/settings/tokens/", {"name": "GPU box"})

    assert response.status_code == 200
    token = response.context["new_token"]
    assert token.startswith("trj_")
    assert response.text.count(token) == 2  # the field to copy, and the export line
    assert f"export TRAJECTORY_TOKEN={token}" in response.text
    assert "no-store" in response["Cache-Control"]
    row = ApiToken.objects.get()
    assert (row.learner, row.name, row.prefix) == (alice, "GPU box", token[:12])
    again = client.get("/settings/tokens/").text
    assert token not in again
    assert f"{row.prefix}…" in again
    assert "GPU box" in again


def test_a_token_needs_a_name(client, alice):
    client.force_login(alice)
    for name in ("", "   ", "x" * 81):
        response = client.post("/settings/tokens/", {"name": name})
        assert response.status_code == 422
        assert 'class="errorlist"' in response.text
        assert response.context["new_token"] is None
    assert not ApiToken.objects.exists()


def test_a_learner_has_at_most_twenty_active_tokens(client, alice):
    for index in range(tokens.MAX_ACTIVE_TOKENS):
        make_token(alice, f"t{index}")
    client.force_login(alice)
    response = client.post("/settings/tokens/", {"name": "one more"})
    assert response.status_code == 422
    assert "revoke one" in response.text
    tokens.revoke(ApiToken.objects.first())
    assert client.post("/settings/tokens/", {"name": "one more"}).status_code == 200


def test_revoking_a_token_stops_it_and_keeps_it_listed(client, alice):
    row, token = make_token(alice)
    client.force_login(alice)
    response = client.post(f"/settings/tokens/{row.pk}/revoke/", follow=True)
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert "Revoked “laptop”" in response.text
    assert tokens.find_token(token) is None
    first = row.revoked_at
    client.post(f"/settings/tokens/{row.pk}/revoke/")
    row.refresh_from_db()
    assert row.revoked_at == first  # revoking twice keeps the first time


def test_another_learners_token_cannot_be_revoked(client, alice, bob):
    row, token = make_token(alice)
    client.force_login(bob)
    assert client.post(f"/settings/tokens/{row.pk}/revoke/").status_code == 404
    assert tokens.find_token(token) == row


def test_the_page_lists_only_the_learners_own_tokens(client, alice, bob):
    make_token(alice, "alice's laptop")
    make_token(bob, "bob's laptop")
    client.force_login(alice)
    page = client.get("/settings/tokens/").text
    assert "alice&#x27;s laptop" in page
    assert "bob" not in page


@pytest.mark.parametrize("payload", payloads() + HTMX_PAYLOADS)
def test_hostile_token_names_show_nothing_that_runs(client, alice, payload):
    client.force_login(alice)
    benign = client.get("/settings/tokens/").text
    make_token(alice, payload[:80])
    page = client.get("/settings/tokens/").text
    # The page's own forms are flagged too; the payload must add nothing to them.
    assert sorted(active_content(page)) == sorted([*active_content(benign), "<form> element"])
