"""What a learner does with a paper's ledger and passes, and what the pages show of them.

The plain functions behind the views (`materialise`, `add`, `move`, `set_words`, `set_pass`)
and the reads (`for_module`, `for_dashboard`, `for_week`), each in a fixed number of queries:
the *_QUERIES constants say what they cost, so the pages' query-count tests stay exact.

A learner's ledger starts with the paper's authored items. Their entries are made the first
time the ledger is read (`materialise`): one entry per item, all "don't understand yet" and
without words, and a unique constraint makes two tabs make one each; the dashboard lists the
paper as in progress from then on (`touch` moves the learner's cached pages on). Items added to the file later join the same way; retired items keep
their entries but stop counting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.safestring import SafeString

from curriculum.models import Kind, LedgerItem, Module
from learners.experiments.models import Run
from learners.lib import reader
from learners.models import ModuleProgress, Status, StudySession, User
from learners.papers.chart import growth_chart
from learners.papers.models import (
    NEXT_STATE,
    PREVIOUS_STATE,
    Entry,
    EntryChange,
    How,
    PassStatus,
    ReadingPass,
    State,
)
from learners.web.pagecache import touch

# active items, the learner's entries (+2 the first time: make the missing, read again),
# the state history, the passes' statuses, minutes per pass, the learner's runs to link
MODULE_QUERIES = 6
# the papers in progress with their entries' and authored items' counts
DASHBOARD_QUERIES = 1
# the papers in progress (1), entries checked this week
WEEK_QUERIES = DASHBOARD_QUERIES + 1
RUNS_OFFERED = 20


class LedgerRefused(Exception):
    """A move or an edit that can't be made, with what to do instead (shown to the learner)."""


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Row:
    entry: Entry
    item: LedgerItem | None  # the authored item, None for the learner's own entry

    @property
    def statement_html(self) -> str:
        return self.item.html if self.item else ""


@dataclass
class PassRow:
    key: str
    name: str
    status: str
    minutes: int

    @property
    def status_label(self) -> str:
        return PassStatus(self.status).label

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass
class ModuleLedger:
    module: Module
    rows: list[Row]
    retired: list[Row]  # entries of items retired from the file: kept, not counted
    passes: list[PassRow]
    runs: list[Run]
    history: list[tuple[datetime, int, str, str]] = field(default_factory=list)
    chart: SafeString = field(default_factory=lambda: SafeString(""))

    pass_statuses = PassStatus.choices

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def owned(self) -> int:
        return sum(1 for row in self.rows if row.entry.state == State.CHECKED)

    @property
    def plausible(self) -> int:
        return sum(1 for row in self.rows if row.entry.state == State.PLAUSIBLE)

    @property
    def unclear(self) -> int:
        return self.total - self.owned - self.plausible

    @property
    def is_owned(self) -> bool:
        return self.total > 0 and self.owned == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.owned / self.total) if self.total else 0


def materialise(learner: User, module: Module, items: list[LedgerItem], entries: list[Entry]):
    """Make the learner's entries for authored items they don't have yet; True if any made."""
    have = {entry.item_key for entry in entries if entry.item_key}
    missing = [item for item in items if item.key not in have]
    if not missing:
        return False
    now = timezone.now()
    Entry.objects.bulk_create(
        [
            Entry(
                learner=learner,
                module=module,
                item_key=item.key,
                kind=item.kind,
                section=item.section,
                state=State.UNCLEAR,
                state_at=now,
                created_at=now,
            )
            for item in missing
        ],
        ignore_conflicts=True,  # another tab made them a moment ago
    )
    # Bulk rows send no signals: the dashboard now lists this paper as in progress.
    touch(learner.pk)
    return True


def for_module(learner: User, module: Module) -> ModuleLedger | None:
    """The module page's ledger and passes; None for a module that isn't a paper."""
    if not module.is_paper:
        return None
    items = list(LedgerItem.objects.filter(module=module).order_by("position", "id"))
    active = [item for item in items if item.retired_at is None]
    entries = list(Entry.objects.for_page(learner, module))
    # A mentor's read changes nothing of the learner's (learners/lib/reader.py): the entries
    # are made on the learner's own first look.
    if reader.current() is None and materialise(learner, module, active, entries):
        entries = list(Entry.objects.for_page(learner, module))
    by_key = {item.key: item for item in items}
    position = {item.key: index for index, item in enumerate(active)}
    authored, own, retired = [], [], []
    for entry in entries:
        item = by_key.get(entry.item_key) if entry.item_key else None
        if entry.item_key and (item is None or item.retired_at is not None):
            retired.append(Row(entry, item))
        elif item is not None:
            authored.append(Row(entry, item))
        else:
            own.append(Row(entry, None))
    authored.sort(key=lambda row: position[row.entry.item_key])
    rows = authored + own
    history = list(
        EntryChange.objects.filter(learner=learner, entry__module=module)
        .order_by("at", "id")
        .values_list("at", "entry_id", "old_state", "new_state")
    )
    ledger = ModuleLedger(
        module=module,
        rows=rows,
        retired=retired,
        passes=_passes(learner, module),
        runs=list(
            Run.objects.filter(learner=learner, module=module)
            .only("id", "name", "started_at")
            .order_by("-started_at", "-id")[:RUNS_OFFERED]
        ),
        history=history,
    )
    ledger.chart = growth_chart(
        history, {row.entry.id for row in rows}, learner.tz, id_prefix=f"ledger-{module.slug}"
    )
    return ledger


def _passes(learner: User, module: Module) -> list[PassRow]:
    statuses = dict(
        ReadingPass.objects.filter(learner=learner, module=module).values_list("key", "status")
    )
    minutes = dict(
        StudySession.objects.filter(learner=learner, module=module)
        .exclude(reading_pass="")
        .values("reading_pass")
        .annotate(total=Sum("minutes"))
        .order_by()
        .values_list("reading_pass", "total")
    )
    return [
        PassRow(
            key=spec["key"],
            name=spec["name"],
            status=statuses.get(spec["key"], PassStatus.NOT_STARTED),
            minutes=minutes.get(spec["key"]) or 0,
        )
        for spec in module.reading_passes
    ]


@dataclass
class PaperProgress:
    module: Module
    owned: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.owned / self.total) if self.total else 0


def _counting(queryset):
    """Entries that count towards owning a paper: the learner's own, and those of active items."""
    active_item = LedgerItem.objects.filter(
        module=OuterRef("module"), key=OuterRef("item_key"), retired_at__isnull=True
    )
    return queryset.filter(Q(item_key="") | Exists(active_item))


def _count(queryset):
    """A correlated `SELECT COUNT(*)` of `queryset`, one number a row (0 when nothing matches:
    no GROUP BY, so the subquery always answers one row)."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def for_dashboard(learner: User) -> list[PaperProgress]:
    """Papers in progress: those with ledger entries or marked in progress, not done or skipped.
    Owned N of M counts authored items the learner hasn't opened yet too.

    One query: the counts are correlated subqueries of each paper's row, not queries of their
    own on the in-flight papers. That saves two round trips; Django's cost of building the
    subqueries stays about the same (bench/RESULTS.md, 2026-12-04)."""
    started = Entry.objects.filter(learner=learner).values("module")
    in_progress = ModuleProgress.objects.filter(learner=learner, status=Status.IN_PROGRESS).values(
        "module"
    )
    finished = ModuleProgress.objects.filter(
        learner=learner, status__in=[Status.DONE, Status.SKIPPED]
    ).values("module")
    mine = Entry.objects.filter(learner=learner, module=OuterRef("pk"))
    papers = (
        Module.objects.active()
        .filter(kind=Kind.PAPER)
        .filter(Q(pk__in=started) | Q(pk__in=in_progress))
        .exclude(pk__in=finished)
        .only("id", "slug", "title")
        .annotate(
            n_checked=_count(_counting(mine).filter(state=State.CHECKED)),
            n_own=_count(mine.filter(item_key="")),  # own entries always count
            n_items=_count(
                LedgerItem.objects.filter(module=OuterRef("pk"), retired_at__isnull=True)
            ),
        )
        .order_by("title")
    )
    return [
        PaperProgress(
            module=paper,
            owned=paper.n_checked,
            total=paper.n_items + paper.n_own,
        )
        for paper in papers
    ]


@dataclass
class WeekOfPapers:
    papers: list[PaperProgress]
    checked: int  # entries moved to "checked" this week


def for_week(learner: User, first: datetime, end: datetime) -> WeekOfPapers:
    checked = (
        EntryChange.objects.filter(
            learner=learner, at__gte=first, at__lt=end, new_state=State.CHECKED
        )
        .values("entry")
        .distinct()
        .count()
    )
    return WeekOfPapers(papers=for_dashboard(learner), checked=checked)


def ledger_owned(learner: User, module: Module) -> tuple[int, int]:
    """(owned, total) for one paper: what a checkpoint `{requires=ledger}` asks for."""
    entries = _counting(Entry.objects.filter(learner=learner, module=module)).aggregate(
        checked=Count("id", filter=Q(state=State.CHECKED)), own=Count("id", filter=Q(item_key=""))
    )
    items = LedgerItem.objects.filter(module=module, retired_at__isnull=True).count()
    return entries["checked"], items + entries["own"]


# --- writing -----------------------------------------------------------------------------------


def add(learner: User, module: Module, *, kind: str, section: str, words: str) -> Entry:
    entry = Entry(learner=learner, module=module, kind=kind, section=section, words=words)
    entry.save()
    return entry


def move(
    entry: Entry,
    *,
    forward: bool = True,
    how: str = "",
    run: Run | None = None,
    citation: str = "",
    now: datetime | None = None,
) -> Entry:
    """Move the entry one state on (or back), keeping the change with its date.

    "Checked" needs how: by hand, in code (optionally a run of the learner's own), or in a
    cited source (the citation required). Raises LedgerRefused with what to do instead.
    """
    target = (NEXT_STATE if forward else PREVIOUS_STATE).get(entry.state)
    if target is None:
        raise LedgerRefused(
            "That entry is checked already." if forward else "That entry is at the start already."
        )
    if target == State.CHECKED:
        if how not in How.values:
            raise LedgerRefused("Say how you checked it: by hand, in code or in a cited source.")
        citation = citation.strip()
        if how == How.SOURCE and not citation:
            raise LedgerRefused("Name the source that confirms it (a citation is required).")
        if run is not None and (run.learner_id != entry.learner_id or how != How.CODE):
            raise LedgerRefused("Only a run of your own can show it was reproduced in code.")
    else:
        how, run, citation = "", None, ""
    with transaction.atomic():
        # Lock the row: two tabs moving it at once record two honest steps, not one twice.
        current = Entry.objects.select_for_update().get(pk=entry.pk)
        if current.state != entry.state:
            raise LedgerRefused("That entry moved in another tab: reload the page to see it.")
        now = now or timezone.now()
        Entry.objects.filter(pk=entry.pk).update(
            state=target,
            how=how,
            run=run if how == How.CODE else None,
            citation=citation if how == How.SOURCE else "",
            state_at=now,
        )
        EntryChange.objects.create(
            learner_id=entry.learner_id, entry=entry, old_state=entry.state, new_state=target,
            how=how, at=now,
        )  # fmt: skip
    entry.state, entry.how, entry.state_at = target, how, now
    entry.run = run if how == How.CODE else None
    entry.citation = citation if how == How.SOURCE else ""
    return entry


def set_words(entry: Entry, words: str, *, section: str | None = None, kind: str | None = None):
    entry.words = words
    fields = ["words"]
    if not entry.is_authored:  # an authored item's section and kind are the file's
        if section is not None:
            entry.section = section
            fields.append("section")
        if kind is not None:
            entry.kind = kind
            fields.append("kind")
    entry.save(update_fields=fields)
    return entry


def set_pass(learner: User, module: Module, key: str, status: str) -> ReadingPass:
    if key not in {spec["key"] for spec in module.reading_passes}:
        raise LedgerRefused("That pass isn't one of this paper's.")
    now = timezone.now()
    try:
        with transaction.atomic():
            row, _ = ReadingPass.objects.update_or_create(
                learner=learner, module=module, key=key,
                defaults={"status": status, "updated_at": now},
            )  # fmt: skip
    except IntegrityError:  # made by another tab at the same moment
        row = ReadingPass.objects.get(learner=learner, module=module, key=key)
        row.status, row.updated_at = status, now
        row.save(update_fields=["status", "updated_at"])
    return row
