"""The reading ledger on a paper's module page: entries, their states and history, the passes,
"owned N of M", a checkpoint that asks for the whole ledger, and what bad input gets."""

from __future__ import annotations

import pytest

from learners.papers import ledger
from learners.papers.models import Entry, EntryChange, State
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def test_the_module_page_starts_the_ledger_with_the_papers_items(client, alice):
    paper = make_paper(5)
    client.force_login(alice)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    assert (
        'Owned <span data-count="ledger-owned">0</span> of <span data-count="ledger-total">5</span>'
        in response.text
    )
    assert Entry.objects.filter(learner=alice, module=paper).count() == 5


def _entries(learner, paper):
    ledger.for_module(learner, paper)  # the page makes them
    return list(Entry.objects.filter(learner=learner, module=paper).order_by("item_key"))


def test_one_click_moves_an_entry_on_and_every_step_is_kept_with_its_date(client, alice):
    paper = make_paper(3)
    entry = _entries(alice, paper)[0]
    client.force_login(alice)
    url = f"/ledger/{entry.pk}/move/"
    response = client.post(url, {"direction": "on"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#entry-{entry.pk}")
    response = client.post(url, {"direction": "on", "how": "hand"})
    entry.refresh_from_db()
    assert (entry.state, entry.how) == (State.CHECKED, "hand")
    steps = list(EntryChange.objects.filter(entry=entry).values_list("old_state", "new_state"))
    assert steps == [("unclear", "plausible"), ("plausible", "checked")]
    assert ledger.for_module(alice, paper).owned == 1


def test_checked_says_how_and_a_source_needs_its_citation(client, alice):
    paper = make_paper(2)
    entry = _entries(alice, paper)[0]
    ledger.move(entry)
    client.force_login(alice)
    url = f"/ledger/{entry.pk}/move/"
    for data in ({"direction": "on"}, {"direction": "on", "how": "source", "citation": "  "}):
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 422
        assert 'role="alert"' in response.text
    entry.refresh_from_db()
    assert entry.state == State.PLAUSIBLE
    response = client.post(
        url, {"direction": "on", "how": "source", "citation": "Goodfellow et al., §6.2"}
    )
    entry.refresh_from_db()
    assert (entry.state, entry.citation) == (State.CHECKED, "Goodfellow et al., §6.2")


def test_only_a_run_of_the_learners_own_can_show_it_was_reproduced_in_code(client, alice, bob):
    from learners.experiments.models import Run

    paper = make_paper(2)
    entry = _entries(alice, paper)[0]
    ledger.move(entry)
    bobs = Run.objects.create(learner=bob, module=paper, name="bob's run")
    mine = Run.objects.create(learner=alice, module=paper, name="my run")
    client.force_login(alice)
    url = f"/ledger/{entry.pk}/move/"
    client.post(url, {"direction": "on", "how": "code", "run": bobs.pk})
    entry.refresh_from_db()
    assert entry.state == State.PLAUSIBLE and entry.run is None
    client.post(url, {"direction": "on", "how": "code", "run": mine.pk})
    entry.refresh_from_db()
    assert (entry.state, entry.how, entry.run_id) == (State.CHECKED, "code", mine.pk)


def test_an_htmx_move_answers_with_the_entry_and_the_owned_count_out_of_band(client, alice):
    paper = make_paper(4)
    entry = _entries(alice, paper)[0]
    ledger.move(entry)
    client.force_login(alice)
    response = client.post(
        f"/ledger/{entry.pk}/move/",
        {"direction": "on", "how": "hand", "page": "module"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="entry-{entry.pk}"' in response.text
    assert 'id="ledger-owned" class="ledger-owned" data-hx-swap-oob="true"' in response.text
    assert (
        '<span data-count="ledger-owned">1</span> of <span data-count="ledger-total">4</span>'
        in response.text
    )


def test_a_learner_adds_an_entry_of_their_own_with_math_and_it_counts(client, alice):
    paper = make_paper(2)
    client.force_login(alice)
    response = client.post(
        f"/modules/{paper.slug}/ledger/",
        {"entry-kind": "equation", "entry-section": "Eq. 1", "entry-words": "$QK^T/\\sqrt{d_k}$"},
    )
    assert response.status_code == 302
    entry = Entry.objects.get(learner=alice, item_key="")
    assert "<math" in entry.words_html
    assert ledger.for_module(alice, paper).total == 3


def test_bad_input_is_refused_with_a_reason_and_nothing_changes(client, alice):
    paper = make_paper(1)
    client.force_login(alice)
    response = client.post(
        f"/modules/{paper.slug}/ledger/",
        {"entry-kind": "poem", "entry-section": "", "entry-words": "x" * 6000},
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    assert not Entry.objects.filter(item_key="").exists()


def test_another_learners_entry_is_not_found(client, alice, bob):
    paper = make_paper(1)
    entry = _entries(alice, paper)[0]
    client.force_login(bob)
    assert client.post(f"/ledger/{entry.pk}/move/", {"direction": "on"}).status_code == 404
    assert client.get(f"/ledger/{entry.pk}/edit/").status_code == 404
    entry.refresh_from_db()
    assert entry.state == State.UNCLEAR


def test_a_checkpoint_that_requires_the_ledger_waits_until_it_is_owned(client, alice):
    from learners.models import CheckpointTick

    paper = make_paper(2, requires_ledger=True)
    client.force_login(alice)
    url = f"/modules/{paper.slug}/checkpoints/own-it/"
    response = client.post(url, {"ticked": "on", "page": "module"}, HTTP_HX_REQUEST="true")
    assert "asks for the whole reading ledger checked: you own 0 of 2" in response.text
    assert not CheckpointTick.objects.exists()
    for entry in _entries(alice, paper):
        ledger.move(entry)
        ledger.move(entry, how="hand")
    client.post(url, {"ticked": "on"})
    assert CheckpointTick.objects.filter(learner=alice).count() == 1


def test_a_retired_item_keeps_its_entry_but_no_longer_counts(client, alice):
    from django.utils import timezone

    from curriculum.models import LedgerItem

    paper = make_paper(3)
    _entries(alice, paper)
    LedgerItem.objects.filter(module=paper, key="item-0").update(retired_at=timezone.now())
    module_ledger = ledger.for_module(alice, paper)
    assert (module_ledger.total, len(module_ledger.retired)) == (2, 1)
    assert Entry.objects.filter(learner=alice).count() == 3


def test_the_dashboards_count_of_each_paper_is_the_module_pages(alice, bob):
    """for_dashboard counts in one query what for_module counts from the rows: checked
    authored and own entries, an unopened item, a retired item's entry, another learner's."""
    from django.utils import timezone

    from curriculum.models import LedgerItem
    from learners.models import ModuleProgress, Status

    first, second, done = (make_paper(n, slug=f"paper-{n}") for n in (4, 2, 1))
    entries = _entries(alice, first)
    for entry in entries[:3]:  # item-0 (to be retired), item-1 and item-2 checked
        ledger.move(entry)
        ledger.move(entry, how="hand")
    own = ledger.add(alice, first, kind="symbol", section="§9", words="mine")
    ledger.add(alice, first, kind="symbol", section="§9", words="mine, not yet")
    ledger.move(own)
    ledger.move(own, how="hand")
    LedgerItem.objects.filter(module=first, key="item-0").update(retired_at=timezone.now())
    for entry in _entries(bob, first):  # another learner's checks count for nobody else
        ledger.move(entry)
        ledger.move(entry, how="hand")
    ModuleProgress.objects.create(learner=alice, module=second, status=Status.IN_PROGRESS)
    _entries(alice, done)
    ModuleProgress.objects.create(learner=alice, module=done, status=Status.DONE)

    shown = {row.module.slug: (row.owned, row.total) for row in ledger.for_dashboard(alice)}
    module_ledger = ledger.for_module(alice, first)
    # paper-4: item-1, item-2 and the own entry checked; 3 active items and 2 own entries
    assert shown == {"paper-4": (3, 5), "paper-2": (0, 2)}
    assert shown["paper-4"] == (module_ledger.owned, module_ledger.total)


def test_passes_have_a_status_and_the_time_logged_against_each(client, alice):
    paper = make_paper(1, passes=[{"key": "skim", "name": "Skim"}, {"key": "code", "name": "Code"}])
    client.force_login(alice)
    client.post(f"/modules/{paper.slug}/passes/skim/", {"status": "done"})
    client.post(
        "/sessions/",
        {
            "session-date": alice.local_today().isoformat(),
            "session-minutes": "45",
            "session-module": paper.pk,
            "session-reading_pass": "code",
            "page_module": paper.slug,
        },
    )
    passes = {row.key: row for row in ledger.for_module(alice, paper).passes}
    assert passes["skim"].status == "done" and passes["code"].minutes == 45
    assert client.post(f"/modules/{paper.slug}/passes/nope/", {"status": "done"}).status_code == 404
    response = client.post(f"/modules/{paper.slug}/passes/skim/", {"status": "bogus"})
    assert response.status_code == 302


def test_a_checked_entry_becomes_a_review_card_once(alice):
    from learners.review.models import Card, Kind

    paper = make_paper(2)
    entry = _entries(alice, paper)[0]
    ledger.move(entry)
    assert not Card.objects.exists()
    ledger.move(entry, how="hand")
    ledger.move(entry, forward=False)
    ledger.move(entry, how="hand")
    card = Card.objects.get()
    assert (card.kind, card.ledger_entry_id, card.module_id) == (Kind.LEDGER, entry.pk, paper.pk)
    assert card.ledger_item.key == entry.item_key


def test_a_ledger_card_is_asked_on_the_review_page(client, alice):
    paper = make_paper(1)
    entry = _entries(alice, paper)[0]
    ledger.set_words(entry, "It **scales** the scores.")
    ledger.move(entry)
    ledger.move(entry, how="source", citation="The Annotated Transformer")
    client.force_login(alice)
    response = client.get("/review/")
    assert "Can you still explain §1?" in response.text
    assert "<strong>scales</strong>" in response.text
    assert "The Annotated Transformer" in response.text
