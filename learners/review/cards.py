"""Where cards come from: the learner's own record, never generic flashcards.

- a checkpoint they ticked, or every checkpoint of a module they marked done;
- the lesson of a failure in their log;
- a question and answer they wrote on a module page, or made from one of their notes;
- an entry of a paper's reading ledger they checked ("Can you still explain this?").

A card joins the queue due at once; making one twice makes one (unique constraints).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from curriculum.models import Checkpoint, Module
from learners.models import CheckpointTick, ModuleProgress, Note, Status, User
from learners.papers.models import Entry, State
from learners.record.models import Failure
from learners.review.models import Card, Kind

FROM_NOTE_QUESTION_LENGTH = 200


def for_checkpoint(learner_id: int, checkpoint: Checkpoint, at=None) -> Card:
    """`at`: when the checkpoint was reached (the card is due from then)."""
    at = at or timezone.now()
    return _once(
        Card(
            learner_id=learner_id,
            kind=Kind.CHECKPOINT,
            module_id=checkpoint.module_id,
            checkpoint=checkpoint,
            due=at,
            created_at=at,
        ),
        learner_id=learner_id,
        checkpoint=checkpoint,
    )


def for_module_done(learner_id: int, module: Module, at=None) -> None:
    for checkpoint in Checkpoint.objects.active().filter(module=module):
        for_checkpoint(learner_id, checkpoint, at)


def for_lesson(failure: Failure) -> Card | None:
    if not failure.lesson.strip():
        return None
    at = failure.lesson_at or timezone.now()
    return _once(
        Card(
            learner_id=failure.learner_id,
            kind=Kind.LESSON,
            module_id=failure.module_id,
            failure=failure,
            due=at,
            created_at=at,
        ),
        learner_id=failure.learner_id,
        failure=failure,
    )


def for_ledger_entry(entry: Entry, at=None) -> Card:
    """A checked ledger entry: due from when it was checked."""
    at = at or timezone.now()
    return _once(
        Card(
            learner_id=entry.learner_id,
            kind=Kind.LEDGER,
            module_id=entry.module_id,
            ledger_entry=entry,
            due=at,
            created_at=at,
        ),
        learner_id=entry.learner_id,
        ledger_entry=entry,
    )


def question(learner: User, module: Module, question: str, answer: str, note=None) -> Card:
    card = Card(
        learner=learner,
        kind=Kind.QUESTION,
        module=module,
        question=question,
        answer=answer,
        note=note,
    )
    card.save()
    return card


def from_note(note: Note) -> Card:
    """One click: the note's first line asks, the whole note answers."""
    first = next((line.strip(" #*>-") for line in note.body.splitlines() if line.strip()), "")
    if len(first) > FROM_NOTE_QUESTION_LENGTH:
        first = first[: FROM_NOTE_QUESTION_LENGTH - 1].rstrip() + "…"
    ask = f"What did you note about this: “{first}”?" if first else "What did this note say?"
    return question(note.learner, note.module, ask, note.body, note=note)


def sync(learner: User) -> int:
    """Make every card the learner's record implies and doesn't have yet (after an import, for
    the demo). Returns how many were made."""
    made = 0
    have_checkpoints = set(
        Card.objects.filter(learner=learner, checkpoint__isnull=False).values_list(
            "checkpoint_id", flat=True
        )
    )
    ticked = CheckpointTick.objects.filter(learner=learner).values_list("checkpoint_id", flat=True)
    done = ModuleProgress.objects.filter(learner=learner, status=Status.DONE).values("module")
    wanted = set(ticked) | set(
        Checkpoint.objects.active().filter(module__in=done).values_list("id", flat=True)
    )
    checkpoints = Checkpoint.objects.filter(pk__in=wanted - have_checkpoints)
    new = [
        Card(learner=learner, kind=Kind.CHECKPOINT, module_id=c.module_id, checkpoint=c)
        for c in checkpoints
    ]
    have_failures = set(
        Card.objects.filter(learner=learner, failure__isnull=False).values_list(
            "failure_id", flat=True
        )
    )
    lessons = (
        Failure.objects.filter(learner=learner).exclude(lesson="").exclude(pk__in=have_failures)
    )
    new += [
        Card(learner=learner, kind=Kind.LESSON, module_id=f.module_id, failure=f) for f in lessons
    ]
    have_entries = Card.objects.filter(learner=learner, ledger_entry__isnull=False).values(
        "ledger_entry_id"
    )
    checked = Entry.objects.filter(learner=learner, state=State.CHECKED).exclude(
        pk__in=have_entries
    )
    new += [
        Card(learner=learner, kind=Kind.LEDGER, module_id=e.module_id, ledger_entry=e)
        for e in checked
    ]
    if new:
        now = timezone.now()
        for card in new:
            card.due = card.created_at = now
        Card.objects.bulk_create(new, ignore_conflicts=True)
        made = len(new)
    return made


def _once(card: Card, **unique) -> Card:
    existing = Card.objects.filter(**unique).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:  # made by another request at the same moment
        return Card.objects.get(**unique)
    return card
