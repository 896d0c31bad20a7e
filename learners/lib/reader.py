"""Who reads a learner's record in this request, and what of it they may see.

A mentor's request (learners/mentors/access.py, `mentor_view`) runs inside `showing(...)`;
the default managers of notes, failures, runs, run metrics, plans and review rows read
`current()` and filter every query they make, related managers included. A join
(`select_related`, `values("run__name")`) or a forward foreign key (`run.failure`) goes around
a manager: code that shows a row reached that way checks `sees(row)` first (the run page's
failure, the failure page's plan). Outside a mentor's request nothing is filtered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

ALL, MARKED, NONE = "all", "marked", "none"


@dataclass(frozen=True)
class Shown:
    notes: str = ALL
    failures: str = ALL
    runs: str = ALL
    plan_ids: frozenset[int] | None = None  # None: every plan


_shown: ContextVar[Shown | None] = ContextVar("trajectory_shown", default=None)


def current() -> Shown | None:
    return _shown.get()


@contextmanager
def showing(shown: Shown) -> Iterator[None]:
    token = _shown.set(shown)
    try:
        yield
    finally:
        _shown.reset(token)


def shared(kind: str, via: str = "") -> Q | None:
    """The filter on `kind` ("notes", "failures", "runs") for the current reader; None: all.
    `via` filters rows that belong to one (a run's metrics: "run__")."""
    shown = current()
    if shown is None:
        return None
    share = getattr(shown, kind)
    if share == ALL:
        return None
    if share == MARKED:
        return Q(**{f"{via}shared_with_mentors": True})
    return Q(pk__in=[])


def sees(row) -> bool:
    """Whether the current reader may see `row` (a note, failure, run or plan reached through
    a foreign key or a join, which the filtered managers don't see: check before showing it)."""
    if row is None or current() is None:
        return row is not None
    return type(row)._default_manager.filter(pk=row.pk).exists()


def plans() -> Q | None:
    shown = current()
    if shown is None or shown.plan_ids is None:
        return None
    return Q(pk__in=shown.plan_ids)


def manager(queryset_class: type[models.QuerySet], scope) -> type[models.Manager]:
    """A default manager over `queryset_class` whose every query keeps to `scope()` (a Q, or
    None for everything): the reader's filter for that kind of row."""

    class ReaderManager(models.Manager.from_queryset(queryset_class)):
        def get_queryset(self) -> models.QuerySet:
            queryset = super().get_queryset()
            only = scope()
            return queryset if only is None else queryset.filter(only)

    ReaderManager.__name__ = f"Reader{queryset_class.__name__}Manager"
    return ReaderManager


def private() -> Q | None:
    """Rows no mentor reads, whatever the scope (review is the learner's own practice)."""
    return None if current() is None else Q(pk__in=[])
