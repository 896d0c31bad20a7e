"""The whole journey as one chronological feed, newest first, grouped by week.

Seven sources (study sessions, notes, failures, lessons, status changes, confidence ratings,
experiment runs) are merged in Python. Each page asks every source for at most PAGE_SIZE + 1
rows after the cursor, so a page costs the same few queries whether the learner has ten
entries or ten thousand: the page's top PAGE_SIZE entries are always among those rows.

Every entry has the sort key (day, moment, rank, id): the learner's local day, an instant,
the source's rank (a fixed tie-break), and the row id. Sessions and failures are dated by the
day they happened (on the learner's calendar) and ordered within it by when they were written;
everything else is an instant, whose day is its date in the learner's zone. The cursor is the
last key shown; the next page is everything strictly before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Q, QuerySet, Subquery

from curriculum.models import Module
from learners.experiments.models import Run
from learners.lib.weeks import in_range, local_date, local_midnight, week_start
from learners.models import ConfidenceRating, Note, Status, StatusChange, StudySession, User
from learners.plans.hours import minutes_by_day
from learners.record.models import Failure

PAGE_SIZE = 50

KINDS = [
    ("session", "Study sessions"),
    ("note", "Notes"),
    ("failure", "Failures"),
    ("lesson", "Lessons learned"),
    ("status", "Status changes"),
    ("finished", "Finished modules"),
    ("confidence", "Confidence"),
    ("run", "Experiment runs"),
]
KIND_VALUES = {value for value, _ in KINDS}

_CURSOR = re.compile(r"^(\d{8})-(\d{20})-(\d)-(\d{1,18})$")


@dataclass(frozen=True, order=True)
class Key:
    day: date
    moment: datetime
    rank: int
    id: int

    def encode(self) -> str:
        moment = self.moment.astimezone(UTC)
        return f"{self.day:%Y%m%d}-{moment:%Y%m%d%H%M%S%f}-{self.rank}-{self.id}"

    @classmethod
    def decode(cls, value: str) -> Key | None:
        """The cursor in a URL, or None when it isn't one (a hand-edited URL starts over)."""
        match = _CURSOR.match(value or "")
        if not match:
            return None
        try:
            day = datetime.strptime(match.group(1), "%Y%m%d").date()
            moment = datetime.strptime(match.group(2), "%Y%m%d%H%M%S%f").replace(tzinfo=UTC)
        except ValueError:
            return None
        if not (in_range(day) and in_range(moment.date())):
            return None
        return cls(day, moment, int(match.group(3)), int(match.group(4)))


@dataclass
class Entry:
    kind: str  # one of KINDS' values: what the template shows
    key: Key
    obj: object

    @property
    def module(self) -> Module | None:
        return getattr(self.obj, "module", None)


@dataclass
class Week:
    start: date
    minutes: int = 0
    continued: bool = False  # the week began on the previous page
    entries: list[Entry] = field(default_factory=list)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    module: Module | None = None

    @property
    def active(self) -> bool:
        return bool(self.kind or self.module)

    def query(self) -> str:
        from urllib.parse import urlencode

        values = {"kind": self.kind, "module": self.module.slug if self.module else ""}
        return urlencode({key: value for key, value in values.items() if value})


@dataclass
class Timeline:
    weeks: list[Week]
    next_cursor: str | None
    filters: Filters
    after: Key | None  # the cursor this page started after

    @property
    def entries(self) -> list[Entry]:
        return [entry for week in self.weeks for entry in week.entries]


# --- the sources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    kinds: frozenset[str]  # the filter values that include this source
    rank: int
    rows: Callable[[User, Filters], QuerySet]
    moment: str  # the instant field; for dated sources, the "written at" field
    day: str | None = None  # the local-date field of dated sources
    kind_of: Callable[[object], str] | None = None  # for a source of several kinds

    def kind(self, row) -> str:
        """What the template shows `row` as: the source's one kind, or kind_of's answer."""
        if self.kind_of is not None:
            return self.kind_of(row)
        (only,) = self.kinds
        return only

    def page(self, learner: User, filters: Filters, after: Key | None, tz: ZoneInfo) -> list:
        rows = self.rows(learner, filters)
        if after is not None:
            rows = rows.filter(self._before(after, tz))
        if self.day:
            rows = rows.order_by(f"-{self.day}", f"-{self.moment}", "-id")
        else:
            rows = rows.order_by(f"-{self.moment}", "-id")
        return list(rows[: PAGE_SIZE + 1])

    def key(self, row, tz: ZoneInfo) -> Key:
        moment = getattr(row, self.moment)
        day = getattr(row, self.day) if self.day else local_date(moment, tz)
        return Key(day, moment, self.rank, row.pk)

    def _before(self, after: Key, tz: ZoneInfo) -> Q:
        """Rows whose key sorts strictly before `after` (older, in the feed's order)."""
        if self.rank < after.rank:
            same_moment = Q()
        elif self.rank == after.rank:
            same_moment = Q(id__lt=after.id)
        else:
            same_moment = Q(pk__in=[])
        moment = self.moment
        tail = Q(**{f"{moment}__lt": after.moment}) | (Q(**{moment: after.moment}) & same_moment)
        if self.day:
            return Q(**{f"{self.day}__lt": after.day}) | (Q(**{self.day: after.day}) & tail)
        # An instant's day is its date in the learner's zone: "an earlier day" is "before that
        # day's local midnight", which keeps the query on the plain (learner, -moment) index.
        start = local_midnight(after.day, tz)
        end = local_midnight(after.day + timedelta(days=1), tz)
        same_day = Q(**{f"{moment}__gte": start, f"{moment}__lt": end})
        return Q(**{f"{moment}__lt": start}) | (same_day & tail)


def _with_module(rows: QuerySet, filters: Filters) -> QuerySet:
    return rows.filter(module=filters.module) if filters.module else rows


def _sessions(learner, filters):
    return _with_module(StudySession.objects.filter(learner=learner), filters).select_related(
        "module"
    )


def _notes(learner, filters):
    return _with_module(Note.objects.filter(learner=learner), filters).select_related("module")


def _failures(learner, filters):
    return _with_module(Failure.objects.for_learner(learner), filters).select_related("module")


def _lessons(learner, filters):
    return _failures(learner, filters).filter(lesson_at__isnull=False).exclude(lesson="")


def _status_changes(learner, filters):
    rows = _with_module(StatusChange.objects.filter(learner=learner), filters)
    if filters.kind == "finished":
        rows = rows.filter(new_status=Status.DONE)
    return rows.select_related("module")


def _ratings(learner, filters):
    earlier = ConfidenceRating.objects.filter(
        learner=OuterRef("learner"), module=OuterRef("module"), at__lt=OuterRef("at")
    ).order_by("-at", "-id")
    rows = _with_module(ConfidenceRating.objects.filter(learner=learner), filters)
    return rows.annotate(previous=Subquery(earlier.values("value")[:1])).select_related("module")


def _runs(learner, filters):
    return _with_module(Run.objects.filter(learner=learner), filters).select_related("module")


def _status_kind(change: StatusChange) -> str:
    return "finished" if change.new_status == Status.DONE else "status"


SOURCES = [
    Source(frozenset({"session"}), 0, _sessions, moment="created_at", day="date"),
    Source(frozenset({"note"}), 1, _notes, moment="created_at"),
    Source(frozenset({"failure"}), 2, _failures, moment="created_at", day="happened_on"),
    Source(frozenset({"lesson"}), 3, _lessons, moment="lesson_at"),
    Source(frozenset({"status", "finished"}), 4, _status_changes, "at", kind_of=_status_kind),
    Source(frozenset({"confidence"}), 5, _ratings, moment="at"),
    Source(frozenset({"run"}), 6, _runs, moment="started_at"),
]


def build_timeline(learner: User, filters: Filters, after: Key | None = None) -> Timeline:
    """One page: a query per source that the filters include, then one for the weeks' hours."""
    tz = learner.tz
    entries: list[Entry] = []
    for source in SOURCES:
        if filters.kind and filters.kind not in source.kinds:
            continue
        for row in source.page(learner, filters, after, tz):
            entries.append(Entry(source.kind(row), source.key(row, tz), row))
    entries.sort(key=lambda entry: entry.key, reverse=True)
    shown = entries[:PAGE_SIZE]
    more = len(entries) > PAGE_SIZE
    weeks = _group_by_week(shown, after)
    if weeks:
        _fill_hours(learner, filters, weeks)
    return Timeline(
        weeks=weeks,
        next_cursor=shown[-1].key.encode() if more else None,
        filters=filters,
        after=after,
    )


def _group_by_week(entries: list[Entry], after: Key | None) -> list[Week]:
    weeks: list[Week] = []
    for entry in entries:
        monday = week_start(entry.key.day)
        if not weeks or weeks[-1].start != monday:
            continued = not weeks and after is not None and week_start(after.day) == monday
            weeks.append(Week(start=monday, continued=continued))
        weeks[-1].entries.append(entry)
    return weeks


def _fill_hours(learner: User, filters: Filters, weeks: list[Week]) -> None:
    """Each shown week's study time (on the filtered module, if one is): one query."""
    first, last = weeks[-1].start, weeks[0].end
    minutes: dict[date, int] = {}
    for day, total in minutes_by_day(learner, first, last, filters.module).items():
        monday = week_start(day)
        minutes[monday] = minutes.get(monday, 0) + total
    for week in weeks:
        week.minutes = minutes.get(week.start, 0)
