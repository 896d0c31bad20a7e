"""A learner's reading of a paper: the passes, and the ledger of every claim, equation, figure
and symbol, each moved from "don't understand yet" to "checked" with its history.

A paper's authored items (curriculum.LedgerItem, from the module file's `## Reading ledger`)
are every learner's starting points: the learner's entry for one carries its `item_key`, made
the first time the learner's ledger is shown (`ledger.materialise`). The learner adds their
own entries beside them (`item_key` empty). An entry whose item was retired from the file
stays, shown as retired, but no longer counts towards owning the paper.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from curriculum.models import LedgerKind, Module
from curriculum.rendering import render_markdown
from learners.experiments.models import Run
from learners.lib.calendar_fields import CalendarDateTimeField
from learners.lib.ownership import owned

WORDS_LIMIT = 5_000
CITATION_LIMIT = 300


class State(models.TextChoices):
    UNCLEAR = "unclear", "Don't understand yet"
    PLAUSIBLE = "plausible", "Plausible"
    CHECKED = "checked", "Checked"


# The way on: one click moves an entry to the next state.
NEXT_STATE = {State.UNCLEAR: State.PLAUSIBLE, State.PLAUSIBLE: State.CHECKED}
PREVIOUS_STATE = {State.PLAUSIBLE: State.UNCLEAR, State.CHECKED: State.PLAUSIBLE}


class How(models.TextChoices):
    HAND = "hand", "derived by hand"
    CODE = "code", "reproduced in code"
    SOURCE = "source", "confirmed in a cited source"


class PassStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class EntryQuerySet(models.QuerySet):
    def for_page(self, learner, module: Module) -> EntryQuerySet:
        # The module page's ledger: one query, the linked run's name with it.
        return (
            self.filter(learner=learner, module=module)
            .select_related("run")
            .only(*ENTRY_PAGE_FIELDS)
            .order_by("created_at", "id")
        )


ENTRY_PAGE_FIELDS = (
    "id", "learner_id", "module_id", "item_key", "kind", "section", "words_html", "state",
    "how", "citation", "state_at", "created_at", "run__id", "run__name", "run__learner_id",
)  # fmt: skip


@owned
class Entry(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_entries"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    # The authored item this entry starts from (curriculum.LedgerItem.key), "" for the
    # learner's own. A key, not a reference: an item is retired, never deleted, and the key is
    # what the export carries.
    item_key = models.SlugField(max_length=80, blank=True, default="")
    kind = models.CharField(max_length=12, choices=LedgerKind.choices)
    section = models.CharField("section", max_length=40)
    words = models.TextField("in your own words", max_length=WORDS_LIMIT, blank=True)
    words_html = models.TextField(blank=True)  # rendered and sanitized on save
    state = models.CharField(max_length=12, choices=State.choices, default=State.UNCLEAR)
    how = models.CharField(max_length=8, choices=How.choices, blank=True)
    citation = models.CharField(max_length=CITATION_LIMIT, blank=True)
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    state_at = CalendarDateTimeField(default=timezone.now)  # when the state last moved
    created_at = CalendarDateTimeField(default=timezone.now)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["module", "created_at", "id"]
        indexes = [
            # The module page's ledger, and the dashboard's counts per paper.
            models.Index(fields=["learner", "module"], name="ledger_entry_learner_module"),
        ]
        constraints = [
            # Two tabs opening the ledger at once make one entry per authored item.
            models.UniqueConstraint(
                fields=["learner", "module", "item_key"],
                condition=~Q(item_key=""),
                name="ledger_entry_one_per_item",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["unclear", "plausible", "checked"]),
                name="ledger_entry_state_known",
            ),
            # "Checked" always says how; only "checked" does.
            models.CheckConstraint(
                condition=(Q(state="checked") & ~Q(how="")) | (~Q(state="checked") & Q(how="")),
                name="ledger_entry_checked_says_how",
            ),
            models.CheckConstraint(
                condition=~Q(how="source") | ~Q(citation=""),
                name="ledger_entry_source_is_cited",
            ),
            models.CheckConstraint(
                condition=Q(run__isnull=True) | Q(how="code"), name="ledger_entry_run_is_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} ({self.get_state_display()})"

    def save(self, *args, **kwargs) -> None:
        self.words_html = render_markdown(self.words, anchors=False) if self.words else ""
        if kwargs.get("update_fields") is not None and "words" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "words_html"}
        super().save(*args, **kwargs)

    @property
    def is_authored(self) -> bool:
        return bool(self.item_key)

    @property
    def next_state(self) -> str | None:
        return NEXT_STATE.get(self.state)

    @property
    def previous_state(self) -> str | None:
        return PREVIOUS_STATE.get(self.state)


@owned
class EntryChange(models.Model):
    """Every change of an entry's state, with its date: how understanding grew."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="changes")
    old_state = models.CharField(max_length=12, choices=State.choices)
    new_state = models.CharField(max_length=12, choices=State.choices)
    how = models.CharField(max_length=8, choices=How.choices, blank=True)
    at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The weekly email: entries checked this week.
            models.Index(fields=["learner", "at"], name="ledger_change_learner_at"),
        ]

    def __str__(self) -> str:
        return f"{self.old_state} → {self.new_state}"


@owned
class ReadingPass(models.Model):
    """A learner's status on one pass of one paper; no row means not started."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(max_length=40)  # a key of module.reading_passes
    status = models.CharField(
        max_length=12, choices=PassStatus.choices, default=PassStatus.NOT_STARTED
    )
    updated_at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "module", "key"], name="reading_pass_once"),
            models.CheckConstraint(
                condition=Q(status__in=["not_started", "in_progress", "done"]),
                name="reading_pass_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module_id} · {self.key}: {self.status}"
