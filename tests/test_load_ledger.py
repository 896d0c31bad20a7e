"""`load_curriculum` and a paper's `## Reading ledger` and `passes:`: errors with file:line,
keys stable across edits, removed items retired and never deleted."""

from __future__ import annotations

import pytest

from curriculum.models import Checkpoint, LedgerItem, Module
from tests.curriculum_helpers import load, module_file, write

pytestmark = pytest.mark.django_db

LEDGER = """# A paper

Read it.

## Reading ledger

Start with these.

- [claim] §3.2: Attention divides by $\\sqrt{d_k}$ {#scale}
- [table] Table 1: Self-attention has constant path length {#table-1}
- [equation] Eq. 1: The softmax runs over the keys

## Deliverable

- [ ] Own the ledger {#own requires=ledger}
- [ ] Something else
"""


def paper(body: str, extra: str = "kind: paper") -> str:
    return module_file("a-paper", extra=extra, body=body)


# Each case: the body (line 1 of the file is its front matter's '---'), the line the error must
# name, and words the message must have.
ERRORS = {
    "unknown_kind": ("## Reading ledger\n\n- [clam] §1: Text\n", 3, "unknown ledger kind '[clam]' (did you mean 'claim'?)"),
    "missing_section": ("## Reading ledger\n\n- [claim] Text without a reference\n", 3, "has no section reference"),
    "empty_section": ("## Reading ledger\n\n- [claim] : Text\n", 3, "has no section reference"),
    "no_text": ("## Reading ledger\n\n- [claim] §1: \n", 3, "has no text"),
    "duplicate_key": (
        "## Reading ledger\n\n- [claim] §1: One {#k}\n- [claim] §2: Two {#k}\n",
        4,
        "ledger key 'k' is used twice (first on line 9)",
    ),
    "empty_section_list": ("## Reading ledger\n\nNothing here.\n", 1, "lists no items"),
    "requires_without_ledger": ("# T\n\n- [ ] Own it {requires=ledger}\n", 3, "has no Reading ledger"),
    "unknown_requirement": ("## Reading ledger\n\n- [claim] §1: x\n\n## Do\n\n- [ ] Own it {#o requires=notes}\n", 7, "the only requirement is 'requires=ledger'"),
}  # fmt: skip


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_ledger_errors_name_the_file_and_line(tmp_path, case):
    body, line, words = case
    path = write(tmp_path, "a-paper.md", paper(body))
    run = load(tmp_path)
    assert run.status == 1
    # The body's first line is the file's seventh (the front matter's '---', four keys, '---').
    expected = f"{path}:{line + 6}: "
    matching = [error for error in run.errors if error.startswith(expected)]
    assert matching, f"no error at {expected!r} in:\n{run.stderr}"
    assert words in matching[0]
    assert not Module.objects.exists()


def test_a_ledger_belongs_to_a_paper(tmp_path):
    path = write(tmp_path, "a-paper.md", paper(LEDGER, extra="kind: build"))
    run = load(tmp_path)
    assert run.status == 1
    assert any(
        error.startswith(f"{path}:11: ") and "belongs to a paper" in error for error in run.errors
    ), run.stderr


def test_passes_are_named_in_the_front_matter_and_checked(tmp_path):
    path = write(tmp_path, "a-paper.md", paper(LEDGER, extra="kind: paper\npasses: [Skim, skim]"))
    run = load(tmp_path)
    assert run.status == 1
    assert any(error.startswith(f"{path}:6: ") and "named twice" in error for error in run.errors)
    write(tmp_path, "a-paper.md", paper(LEDGER, extra="kind: paper\npasses: [Skim, Code it]"))
    assert load(tmp_path).status == 0
    module = Module.objects.get()
    assert module.reading_passes == [
        {"key": "skim", "name": "Skim"},
        {"key": "code-it", "name": "Code it"},
    ]


def test_a_paper_without_passes_is_read_in_skim_read_re_derive(tmp_path):
    write(tmp_path, "a-paper.md", paper(LEDGER))
    assert load(tmp_path).status == 0
    keys = [spec["key"] for spec in Module.objects.get().reading_passes]
    assert keys == ["skim", "read", "re-derive"]


def test_items_load_with_their_kind_section_and_rendered_text(tmp_path):
    write(tmp_path, "a-paper.md", paper(LEDGER))
    assert load(tmp_path).status == 0
    items = list(LedgerItem.objects.order_by("position"))
    assert [(i.key, i.kind, i.section) for i in items] == [
        ("scale", "claim", "§3.2"),
        ("table-1", "figure", "Table 1"),
        ("the-softmax-runs-over-the-keys", "equation", "Eq. 1"),
    ]
    assert "<math" in items[0].html
    module = Module.objects.get()
    assert "Reading ledger" not in module.body_html  # the module page shows the ledger itself
    assert Checkpoint.objects.get(key="own").requires_ledger


def test_keys_stay_across_edits_and_a_removed_item_is_retired_never_deleted(tmp_path):
    write(tmp_path, "a-paper.md", paper(LEDGER))
    assert load(tmp_path).status == 0
    scale = LedgerItem.objects.get(key="scale")
    edited = LEDGER.replace("Attention divides", "Scaled attention divides").replace(
        "- [table] Table 1: Self-attention has constant path length {#table-1}\n", ""
    )
    write(tmp_path, "a-paper.md", paper(edited))
    assert load(tmp_path).status == 0
    scale.refresh_from_db()
    assert scale.text.startswith("Scaled attention") and scale.retired_at is None
    retired = LedgerItem.objects.get(key="table-1")
    assert retired.retired_at is not None
    write(tmp_path, "a-paper.md", paper(LEDGER))
    assert load(tmp_path).status == 0
    retired.refresh_from_db()
    assert retired.retired_at is None
    assert LedgerItem.objects.count() == 3
