"""Review cards made from the learner's own record, and every review of them.

A card is a checkpoint of theirs ("Can you still do this?"), a lesson from their failure log
("What did <failure> teach you?"), or a question they wrote on a module page. Its schedule is
FSRS's (the `fsrs` package): the card keeps FSRS's state, and every review is kept with the
state it left behind, for a later re-fit of the parameters and for the export.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from curriculum.models import Checkpoint, LedgerItem, Module
from curriculum.rendering import render_markdown
from learners.lib import reader
from learners.lib.calendar_fields import CalendarDateTimeField
from learners.lib.ownership import owned
from learners.models import Note
from learners.papers.models import Entry
from learners.record.models import Failure

TEXT_LIMIT = 5_000


class Kind(models.TextChoices):
    CHECKPOINT = "checkpoint", "A checkpoint you reached"
    LESSON = "lesson", "A lesson from your failure log"
    QUESTION = "question", "A question you wrote"
    LEDGER = "ledger", "A paper's ledger entry you checked"


class Rating(models.IntegerChoices):
    """FSRS's four answers (fsrs.Rating has the same values)."""

    AGAIN = 1, "Again"
    HARD = 2, "Hard"
    GOOD = 3, "Good"
    EASY = 4, "Easy"


class State(models.IntegerChoices):
    """fsrs.State's values."""

    LEARNING = 1, "Learning"
    REVIEW = 2, "Review"
    RELEARNING = 3, "Relearning"


@owned
class Card(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    failure = models.ForeignKey(
        Failure, on_delete=models.CASCADE, null=True, blank=True, related_name="review_cards"
    )
    note = models.ForeignKey(Note, on_delete=models.SET_NULL, null=True, blank=True)
    ledger_entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="review_cards"
    )
    question = models.TextField(max_length=TEXT_LIMIT, blank=True)
    question_html = models.TextField(blank=True)  # rendered and sanitized on save
    answer = models.TextField(max_length=TEXT_LIMIT, blank=True)
    answer_html = models.TextField(blank=True)
    # FSRS's card, field by field (fsrs.Card.to_dict()), so the queue is a query.
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.LEARNING)
    step = models.PositiveSmallIntegerField(null=True, blank=True, default=0)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = CalendarDateTimeField(default=timezone.now)
    last_review = CalendarDateTimeField(null=True, blank=True)
    suspended = models.BooleanField(default=False)
    created_at = CalendarDateTimeField(default=timezone.now)

    # Review is the learner's own practice: no mentor reads it (learners/lib/reader.py).
    objects = reader.manager(models.QuerySet, reader.private)()

    class Meta:
        ordering = ["due", "id"]
        indexes = [
            # The queue: a learner's cards due by now, oldest first.
            models.Index(fields=["learner", "suspended", "due"], name="card_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "checkpoint"],
                condition=Q(checkpoint__isnull=False),
                name="card_one_per_checkpoint",
            ),
            models.UniqueConstraint(
                fields=["learner", "failure"],
                condition=Q(failure__isnull=False),
                name="card_one_per_failure",
            ),
            models.UniqueConstraint(
                fields=["learner", "ledger_entry"],
                condition=Q(ledger_entry__isnull=False),
                name="card_one_per_ledger_entry",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="checkpoint", checkpoint__isnull=False, failure__isnull=True)
                    | Q(kind="lesson", failure__isnull=False, checkpoint__isnull=True)
                    | Q(kind="question", checkpoint__isnull=True, failure__isnull=True)
                    | Q(kind="ledger", checkpoint__isnull=True, failure__isnull=True)
                ),
                name="card_kind_matches_source",
            ),
            models.CheckConstraint(
                condition=Q(kind="ledger", ledger_entry__isnull=False)
                | (~Q(kind="ledger") & Q(ledger_entry__isnull=True)),
                name="card_ledger_kind_has_entry",
            ),
            models.CheckConstraint(condition=Q(state__in=[1, 2, 3]), name="card_state_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.module_id}"

    def save(self, *args, **kwargs) -> None:
        if self.kind == Kind.QUESTION:
            self.question_html = render_markdown(self.question, anchors=False)
            self.answer_html = render_markdown(self.answer, anchors=False)
        super().save(*args, **kwargs)

    @property
    def ledger_item(self):
        """The paper's authored item a ledger card asks about (None for the learner's own)."""
        entry = self.ledger_entry if self.ledger_entry_id else None
        if entry is None or not entry.item_key:
            return None
        return LedgerItem.objects.filter(module_id=entry.module_id, key=entry.item_key).first()


@owned
class Review(models.Model):
    """One answer to one card, with the FSRS state it left the card in."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = CalendarDateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(24 * 3600 * 1000)]
    )
    state = models.PositiveSmallIntegerField(choices=State.choices)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = CalendarDateTimeField()

    # Review is the learner's own practice: no mentor reads it (learners/lib/reader.py).
    objects = reader.manager(models.QuerySet, reader.private)()

    class Meta:
        ordering = ["reviewed_at", "id"]
        indexes = [
            # Reviews today (the daily cap), this week (the email), 30 days (retention).
            models.Index(fields=["learner", "reviewed_at"], name="review_learner_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=4), name="review_rating"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} on card {self.card_id}"

    @property
    def remembered(self) -> bool:
        return self.rating >= Rating.GOOD


@owned
class PausedModule(models.Model):
    """A module whose cards stay out of the queue until the learner takes them back."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    paused_at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "module"], name="paused_module_once"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} paused {self.module_id}"
