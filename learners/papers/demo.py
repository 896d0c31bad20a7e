"""This area's part of the demo learner's history (called by learners/demo.py): half-way through
the attention paper's ledger — about half of it checked (by hand, in code, in a cited source),
some plausible, the rest not understood yet — with two entries of their own, the skim done and
the read in progress, and some of the paper's study time logged against its passes."""

from __future__ import annotations

from curriculum.models import Module
from learners.experiments.models import Run
from learners.models import StudySession
from learners.papers import ledger
from learners.papers.models import Entry, How, PassStatus

PAPER = "paper-attention-is-all-you-need"
WORDS = {
    "scaled-dot-product": "Each query row gets a softmax over the $m$ keys: "
    "$\\mathrm{softmax}(QK^\\top/\\sqrt{d_k})$ is $n \\times m$, and its rows sum to 1.",
    "dot-product-variance": "Sum of $d_k$ independent products, each of variance 1: "
    "the variances add, so $\\mathrm{Var}(q \\cdot k) = d_k$.",
    "decoder-mask": "Mask **before** the softmax, with $-\\infty$: zeroing weights afterwards "
    "leaves the future in the denominator.",
    "why-scale": "Checked numerically: with $d_k = 64$ the unscaled softmax over 50 keys is "
    "almost one-hot.",
}
OWN = [
    ("symbol", "§3.2.2", "$W^O \\in \\mathbb{R}^{h d_v \\times d_{model}}$ — the output projection "
     "after the heads are concatenated."),
    ("claim", "§5.3", "Adam with $\\beta_2 = 0.98$, not 0.999: I don't see why yet."),
]  # fmt: skip


def seed(user, modules: dict[str, Module], clock, start_day: int) -> None:
    paper = modules.get(PAPER)
    if paper is None or not paper.is_paper:
        return
    ledger.for_module(user, paper)  # the first view: the paper's items join the ledger
    Entry.objects.filter(learner=user, module=paper).update(
        created_at=clock.at(start_day, 20), state_at=clock.at(start_day, 20)
    )
    for kind, section, words in OWN:
        entry = ledger.add(user, paper, kind=kind, section=section, words=words)
        Entry.objects.filter(pk=entry.pk).update(created_at=clock.at(start_day + 3, 21))
    entries = {e.item_key: e for e in Entry.objects.filter(learner=user, module=paper)}
    for key, words in WORDS.items():
        if key in entries:
            ledger.set_words(entries[key], words)
    run = Run.objects.filter(learner=user, module=paper).first()
    ordered = list(Entry.objects.filter(learner=user, module=paper).order_by("created_at", "id"))
    hows = [How.HAND, How.CODE, How.HAND, How.SOURCE]
    for index, entry in enumerate(ordered):
        day = start_day + index % 8
        if index % 10 in (0, 2, 3, 5, 7):  # half of them checked
            ledger.move(entry, now=clock.at(day, 20, index % 60))
            how = hows[index % len(hows)]
            ledger.move(
                entry,
                how=how,
                run=run if how == How.CODE else None,
                citation="The Annotated Transformer (Harvard NLP)" if how == How.SOURCE else "",
                now=clock.at(day + 1, 21, index % 60),
            )
        elif index % 10 in (1, 6, 8):  # plausible, for now
            ledger.move(entry, now=clock.at(day, 20, index % 60))
    ledger.set_pass(user, paper, "skim", PassStatus.DONE)
    ledger.set_pass(user, paper, "read", PassStatus.IN_PROGRESS)
    sessions = list(StudySession.objects.filter(learner=user, module=paper).order_by("date", "id"))
    for index, session in enumerate(sessions):
        session.reading_pass = "skim" if index == 0 else "read"
        session.save(update_fields=["reading_pass"])
