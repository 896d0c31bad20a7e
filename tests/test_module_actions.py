"""Status, ticks, confidence and notes: plain posts redirect, htmx posts get fragments."""

from __future__ import annotations

import pytest
from django.utils import timezone

from curriculum.models import Module
from learners.models import CheckpointTick, ConfidenceRating, ModuleProgress, Note, Status
from tests.factories import make_modules, make_plan
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def setup(client, alice):
    modules = make_modules(3)
    make_plan(alice, modules)
    client.force_login(alice)
    return modules


def test_a_plain_status_change_redirects_back(client, alice, setup):
    module = setup[0]
    response = client.post(f"/modules/{module.slug}/status/", {"status": "done", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert ModuleProgress.objects.get(learner=alice, module=module).status == Status.DONE


def test_an_offsite_next_is_ignored(client, setup):
    module = setup[0]
    response = client.post(
        f"/modules/{module.slug}/status/", {"status": "done", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/modules/{module.slug}/"


def test_an_htmx_tick_on_the_dashboard_returns_the_box_and_the_moved_counts(client, alice, setup):
    module = setup[0]
    checkpoint = module.checkpoints.first()
    response = client.post(
        f"/modules/{module.slug}/checkpoints/{checkpoint.key}/",
        {"ticked": "on", "page": "dashboard"},
        headers=HTMX,
    )
    assert response.status_code == 200
    text = response.text
    assert text.lstrip().startswith(f'<form class="tick-form is-ticked" id="tick-{checkpoint.id}"')
    assert (
        'id="plan-header" class="card plan-header" aria-label="Your plan" data-hx-swap-oob="true"'
        in text
    )
    assert '<strong data-count="checkpoints">1</strong> of 9' in text
    assert 'id="next-up"' in text
    assert CheckpointTick.objects.filter(learner=alice, checkpoint=checkpoint).exists()


def test_an_htmx_tick_on_the_module_page_returns_its_progress_bar(client, setup):
    module = setup[0]
    checkpoint = module.checkpoints.first()
    text = client.post(
        f"/modules/{module.slug}/checkpoints/{checkpoint.key}/",
        {"ticked": "on", "page": "module"},
        headers=HTMX,
    ).text
    assert 'id="module-progress" data-hx-swap-oob="true"' in text
    assert "1 of 3 checkpoints" in text
    assert 'id="status-form"' in text  # ticking started the module: the status moved too
    assert 'id="plan-header"' not in text  # not on this page


def test_unticking_is_an_explicit_state_not_a_toggle(client, alice, setup):
    module = setup[0]
    checkpoint = module.checkpoints.first()
    url = f"/modules/{module.slug}/checkpoints/{checkpoint.key}/"
    client.post(url, {"ticked": "on"})
    client.post(url, {"ticked": "on"})  # a double click
    assert CheckpointTick.objects.filter(learner=alice).count() == 1
    client.post(url, {})
    assert not CheckpointTick.objects.filter(learner=alice).exists()


def test_a_bad_status_changes_nothing(client, alice, setup):
    module = setup[0]
    response = client.post(f"/modules/{module.slug}/status/", {"status": "finished!"}, headers=HTMX)
    assert response.status_code == 400  # htmx keeps the control; app.js shows the text
    assert "Choose a status" in response.text
    assert ModuleProgress.objects.get(learner=alice, module=module).status == Status.NOT_STARTED


@pytest.mark.parametrize("value", ["0", "6", "three", ""])
def test_a_bad_confidence_changes_nothing(client, alice, setup, value):
    module = setup[0]
    response = client.post(f"/modules/{module.slug}/confidence/", {"confidence": value})
    assert response.status_code == 302
    assert not ConfidenceRating.objects.exists()


def test_confidence_is_recorded(client, alice, setup):
    module = setup[0]
    text = client.post(
        f"/modules/{module.slug}/confidence/", {"confidence": "4", "page": "module"}, headers=HTMX
    ).text
    # The value is a pressed button (saved when pressed, never by a passing arrow key).
    assert 'value="4" id="confidence-4" class="scale-option" aria-pressed="true"' in text
    assert ConfidenceRating.objects.get(learner=alice).value == 4


def test_actions_on_a_retired_module_are_404(client, setup):
    module = setup[0]
    Module.objects.filter(pk=module.pk).update(retired_at=timezone.now())
    assert client.post(f"/modules/{module.slug}/status/", {"status": "done"}).status_code == 404


def test_an_unknown_checkpoint_is_404(client, setup):
    assert (
        client.post(f"/modules/{setup[0].slug}/checkpoints/nope/", {"ticked": "on"}).status_code
        == 404
    )


def test_get_is_not_allowed_on_actions(client, setup):
    assert client.get(f"/modules/{setup[0].slug}/status/").status_code == 405


# --- notes ---------------------------------------------------------------------------------


def test_a_note_is_saved_rendered_and_listed(client, alice, setup):
    module = setup[0]
    response = client.post(
        f"/modules/{module.slug}/notes/", {"body": "Perplexity is $e^H$, **not** $2^H$."}
    )
    assert response.status_code == 302
    note = Note.objects.get(learner=alice)
    assert "<math" in note.body_html
    assert "<strong>not</strong>" in note.body_html
    assert note.body_html in client.get(f"/modules/{module.slug}/").text


def test_an_htmx_note_returns_a_fresh_form_and_the_journal(client, alice, setup):
    module = setup[0]
    text = client.post(
        f"/modules/{module.slug}/notes/", {"body": "first", "page": "module"}, headers=HTMX
    ).text
    assert text.lstrip().startswith('<form id="note-form"')
    assert "Note saved." in text
    assert (
        'id="notes" class="notes" aria-labelledby="notes-heading" data-hx-swap-oob="true"' in text
    )
    assert "<p>first</p>" in text


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 20_001])
def test_an_empty_or_oversized_note_is_refused_and_nothing_saved(client, setup, body):
    module = setup[0]
    response = client.post(f"/modules/{module.slug}/notes/", {"body": body})
    assert response.status_code == 422
    assert not Note.objects.exists()
    htmx = client.post(
        f"/modules/{module.slug}/notes/", {"body": body, "page": "module"}, headers=HTMX
    )
    assert htmx.status_code == 422
    assert 'class="errorlist"' in htmx.text
    assert not Note.objects.exists()


def test_a_note_is_edited_with_a_preview_first(client, alice, setup):
    note = Note.objects.create(learner=alice, module=setup[0], body="old")
    preview = client.post(f"/notes/{note.pk}/edit/", {"body": "*new*", "preview": "1"})
    assert "<em>new</em>" in preview.text
    note.refresh_from_db()
    assert note.body == "old"  # a preview saves nothing
    client.post(f"/notes/{note.pk}/edit/", {"body": "*new*"})
    note.refresh_from_db()
    assert (note.body, note.body_html) == ("*new*", "<p><em>new</em></p>")


def test_a_note_is_deleted(client, alice, setup):
    note = Note.objects.create(learner=alice, module=setup[0], body="bye")
    assert client.post(f"/notes/{note.pk}/delete/").status_code == 302
    assert not Note.objects.exists()


def test_the_htmx_preview_is_sanitized(client, setup):
    text = client.post(
        "/notes/preview/", {"body": "<script>alert(1)</script>**ok**"}, headers=HTMX
    ).text
    assert "<strong>ok</strong>" in text
    assert active_content(text) == []


@pytest.mark.parametrize("payload", payloads() + HTMX_PAYLOADS)
def test_hostile_notes_show_nothing_that_runs(client, alice, setup, payload):
    module = setup[0]
    client.post(f"/modules/{module.slug}/notes/", {"body": payload})
    note = Note.objects.get(learner=alice)
    assert active_content(note.body_html) == [], note.body_html
    page = client.get(f"/modules/{module.slug}/").text
    assert note.body_html in page  # what the page shows is exactly the sanitized HTML
