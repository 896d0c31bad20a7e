"""Access cases for paper reading's URLs (see tests/access_cases.py): an entry added to a
paper's ledger, moved on, edited, deleted, and a reading pass's status."""

from __future__ import annotations

from curriculum.models import LedgerItem, Module
from learners.papers import ledger
from learners.papers.models import Entry, EntryChange, ReadingPass
from tests.access_cases import Case

CASES: dict = {
    "ledger_entry_create": Case(
        "own",
        method="POST",
        args=("paper",),
        data=(("entry-kind", "claim"), ("entry-section", "§1"), ("entry-words", "Mine")),
    ),
    "ledger_entry_move": Case(
        "object", method="POST", args=("entry",), data=(("direction", "on"),)
    ),
    "ledger_entry_edit": Case("object", args=("own_entry",)),
    "ledger_entry_delete": Case("object", method="POST", args=("own_entry",)),
    "reading_pass": Case(
        "own", method="POST", args=("paper", "reading_pass"), data=(("status", "in_progress"),)
    ),
}


def extend_world(world) -> dict:
    alice = world["alice"]
    # The world's third module becomes a paper with a ledger (no new module: the admin's
    # access test counts them).
    paper = world["modules"][2]
    Module.objects.filter(pk=paper.pk).update(kind="paper")
    paper.kind = "paper"
    LedgerItem.objects.bulk_create(
        LedgerItem(
            module=paper, key=f"item-{i}", kind="claim", section=f"§{i}", text="x", position=i
        )
        for i in range(4)
    )
    ledger.for_module(alice, paper)
    entry = Entry.objects.filter(learner=alice, module=paper).order_by("item_key").first()
    ledger.move(entry)  # plausible: the page shows the "checked — how?" form too
    own = ledger.add(alice, paper, kind="equation", section="Eq. 1", words="$QK^T$")
    return {"paper": paper.slug, "entry": entry.pk, "own_entry": own.pk, "reading_pass": "skim"}


def owners_rows(world) -> list:
    alice = world["alice"]
    return [
        list(Entry.objects.filter(learner=alice).values()),
        list(EntryChange.objects.filter(learner=alice).values()),
        list(ReadingPass.objects.filter(learner=alice).values()),
    ]
