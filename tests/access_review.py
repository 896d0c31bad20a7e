"""Access cases for review's URLs (see tests/access_cases.py): the Review page, a card's
rating, suspension and deletion, questions, a note made a card, a module's reviews paused."""

from __future__ import annotations

from datetime import timedelta

from learners.review.models import Card, Kind, PausedModule, Review
from tests.access_cases import Case

CASES: dict = {
    "review_page": Case("own"),
    "review_restart": Case("own", method="POST"),
    "review_rate": Case(
        "object", method="POST", args=("card",), data=(("rating", "3"), ("due", "CARD_DUE"))
    ),
    "card_suspend": Case("object", method="POST", args=("card",), data=(("suspended", "on"),)),
    "card_delete": Case("object", method="POST", args=("question",)),
    "question_create": Case(
        "own", method="POST", args=("module",), data=(("question", "Q?"), ("answer", "A."))
    ),
    "note_to_card": Case("object", method="POST", args=("note",)),
    "module_pause": Case("own", method="POST", args=("module",), data=(("paused", "on"),)),
}


def extend_world(world) -> dict:
    alice, module = world["alice"], world["modules"][0]
    card = Card.objects.create(
        learner=alice, kind=Kind.QUESTION, module=module, question="alice's Q", answer="A"
    )
    question = Card.objects.create(
        learner=alice, kind=Kind.QUESTION, module=module, question="alice's other Q", answer="A"
    )
    # A backlog from a long absence, more than a day's cap: the Review page offers to spread
    # it over a week (so its form is on a page, for the form fuzzer too).
    Card.objects.bulk_create(
        Card(
            learner=alice,
            kind=Kind.QUESTION,
            module=module,
            question=f"An old question {i}",
            question_html=f"<p>An old question {i}</p>",
            answer="A",
            due=card.due - timedelta(days=10 + i),
        )
        for i in range(alice.daily_reviews + 1)
    )
    # The rating form names the card's due time (a resent form rates nothing): fill it in.
    rate = CASES["review_rate"]
    CASES["review_rate"] = Case(
        rate.kind,
        method=rate.method,
        args=rate.args,
        data=(("rating", "3"), ("due", card.due.isoformat())),
    )
    return {"card": card.pk, "question": question.pk}


def owners_rows(world) -> list:
    alice = world["alice"]
    return [
        list(Card.objects.filter(learner=alice).values()),
        list(Review.objects.filter(learner=alice).values()),
        list(PausedModule.objects.filter(learner=alice).values()),
    ]
