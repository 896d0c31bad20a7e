"""Cached page sections for a learner, keyed by the version of their record.

The dashboard and the module page are mostly the learner's own record, which changes only when
something is written. So the heavy sections of those pages are rendered once and kept under a
key made of the learner, `User.record_version`, their local date and the page's path, and the
version moves with every write (`touch`):

- every save or delete of a row the learner owns (`learners.lib.ownership.OWNED`), wherever it
  happens: a form, the API, a command, the admin, the shell (signals). Inside a request these are
  gathered and moved once, after the view has returned, so after its transaction committed;
- every write that bypasses signals (`QuerySet.update()`, bulk operations) calls `touch()`
  itself: plan reordering and ending, imports, token revocation;
- every save of the account (`User.save()`, in the same UPDATE) and every change to the
  curriculum (all learners).

A cached section is never stale: a reader that sees version v started reading after the write
that made v had committed. The key changes instead of the entry being deleted, so the cache may be
per process (the default, a local-memory cache): another process never serves an entry under an
old version, because the version is read from the database with the user on every request.

A second version, `User.plan_version`, moves only with the writes that change a plan's shape:
a plan or plan item saved or deleted, every `touch()` (unless told `plan=False`) and every
curriculum change. It keys the cached plan shapes (learners/plans/state.py), which a tick, a
status or a session leaves valid; `plan_written()` tells a request that changed a shape
itself not to read the one cached before.

Some sections are kept under the version of one *concern* instead (`CONCERNS`): the dashboard's
hours, failures, runs, papers and reviews. Inside a page whose whole cached copy a write made
stale, they are served again when the write could not have changed them: after a tick, the first dashboard
builds its plan and review again, not its charts, failures, runs and papers. Each concern names
the owned rows whose writes can't change what it shows; a write of any other row (a kind of row
added later too) moves it, and so do every `touch()`, every account save and every curriculum
change. Its version is a column of the user (`<concern>_version`), read with the user like the
others. A section the clock changes too (the reviews due, when the next card falls due) is kept
only until then.

A cached section may hold forms: on the way out every CSRF token and double-submit key in it is
made anew (`fresh`), so no two responses share a token and no two forms share a key.
"""

from __future__ import annotations

import hashlib
import re
from contextvars import ContextVar
from datetime import datetime

from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone

from learners.lib.ownership import OWNED
from learners.lib.submissions import FIELD, new_key
from learners.models import User

CACHE = "pages"
# Owned rows that no cached page shows: the weekly email's own bookkeeping, written once per
# learner per week by the sender (moving every learner's version each Monday for nothing).
NEVER_SHOWN = {"weekly.weeklyemail", "weekly.weeklyschedule"}
TIMEOUT = 24 * 60 * 60  # the date is in the key: an entry is useless after a day anyway

_CSRF = re.compile(r'(<input type="hidden" name="csrfmiddlewaretoken" value=")[^"]*(">)')
_SUBMISSION = re.compile(rf'(<input type="hidden" name="{FIELD}" value=")[0-9a-f]{{32}}(">)')


def cacheable(request: HttpRequest) -> bool:
    # After a save in this request the version is an expression until reloaded: don't guess.
    user = request.user
    return (
        request.method == "GET"
        and user.is_authenticated
        and isinstance(user.record_version, int)
        # A mentor's read keeps to what is shared: never the learner's own cached sections.
        and not getattr(request, "readonly", False)
    )


def key(request: HttpRequest, name: str, concern: str | None = None) -> str:
    user = request.user
    joined = int(user.date_joined.timestamp() * 1_000_000)  # a recreated id is another learner
    version = (
        str(user.record_version)
        if concern is None
        else f"{concern}{getattr(user, User.version_field(concern))}"
    )
    return ":".join(
        [
            name,
            str(user.pk),
            str(joined),
            version,
            user.local_today().isoformat(),
            "htmx" if getattr(request, "htmx", False) else "page",
            # The path with its query string, hashed: a key stays short (a cache's limit is
            # 250 characters) whatever a visitor appends to the URL.
            hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest(),
        ]
    )


def get(request: HttpRequest, name: str, concern: str | None = None) -> str | None:
    kept = caches[CACHE].get(key(request, name, concern))
    if kept is None:
        return None
    until, html = kept
    if until is not None and timezone.now() >= until:
        return None  # the clock has changed what it shows
    return fresh(html, request)


def put(
    request: HttpRequest,
    name: str,
    html: str,
    concern: str | None = None,
    until: datetime | None = None,
) -> None:
    """Keep a section; `until` is when the clock alone changes what it shows, if it can."""
    caches[CACHE].set(key(request, name, concern), (until, html), TIMEOUT)


def fresh(html: str, request: HttpRequest) -> str:
    """The cached HTML with a new CSRF token in every form and a new key in every form."""
    html = _CSRF.sub(lambda match: f"{match[1]}{get_token(request)}{match[2]}", html)
    return _SUBMISSION.sub(lambda match: f"{match[1]}{new_key()}{match[2]}", html)


# Owned rows whose writes change the shape of a plan (learners/plans/state.py, `plan_version`):
# its items, and the plan itself. Ticks, statuses and sessions don't: they are read afresh.
PLAN_SHAPE = {"learners.plan", "learners.planitem"}

# The writes of a tick, a rating, a note or a review: none of the concerns below shows them.
_STUDY = {
    "learners.checkpointtick",
    "learners.confidencerating",
    "learners.note",
    "learners.timer",
    "review.card",
    "review.review",
}
_STATUS = {"learners.moduleprogress", "learners.statuschange"}
_SESSIONS = {"learners.studysession"}
_FAILURES = {"record.failure"}
_RUNS = {"experiments.run", "experiments.runmetric", "experiments.modulemetric"}
_PAPERS = {"papers.entry", "papers.entrychange"}
# Per concern, the owned rows whose writes can't change what its sections show. Listed this way
# round so that forgetting a row costs a cache miss, never a stale section.
CONCERNS: dict[str, frozenset[str]] = {
    # hours this week and last, the charts, recent sessions, the quick log
    "sessions": frozenset(_STUDY | _STATUS | _FAILURES | _RUNS | _PAPERS),
    # recent failures and lessons, the capture form (which starts on the module in progress)
    "failures": frozenset(_STUDY | _SESSIONS | _RUNS | _PAPERS),
    # the last two weeks of runs
    "runs": frozenset(_STUDY | _STATUS | _SESSIONS | _FAILURES | _PAPERS),
    # papers in progress (a status decides which) and how much of each ledger is owned
    "papers": frozenset(_STUDY | _SESSIONS | _FAILURES | _RUNS),
    # the cards due today: cards, reviews and paused modules, and a failure's lesson (a lesson
    # card without one is never asked); a tick, a status or an entry that makes a card writes it
    "review": frozenset(
        _STUDY - {"review.card", "review.review"} | _STATUS | _SESSIONS | _RUNS | _PAPERS
    ),
}
EVERY_CONCERN = frozenset(CONCERNS)


def concerns_moved_by(label: str | None) -> frozenset[str]:
    """The concerns a write of this kind of row moves (every one when the kind isn't known)."""
    if label is None:
        return EVERY_CONCERN
    return frozenset(name for name, unchanged in CONCERNS.items() if label not in unchanged)


class _Pending:
    """Inside a request: the learners whose versions move once the view has returned, and
    those whose plan shape changed in this request (from the write on, not from its commit: the
    request's own answer must not read the shape cached before it)."""

    def __init__(self) -> None:
        self.records: dict[int, set[str]] = {}  # learner → the concerns moved with the record
        self.plans: set[int] = set()
        self.plans_written: set[int] = set()


_pending: ContextVar[_Pending | None] = ContextVar("pagecache_pending", default=None)


class _Committed:
    """Called when the write's transaction commits (never if it rolls back): the learner is
    pending from then on."""

    def __init__(
        self, pending: _Pending, learner_id: int, plan: bool, concerns: frozenset[str]
    ) -> None:
        self.pending, self.learner_id, self.plan = pending, learner_id, plan
        self.concerns = concerns

    def __call__(self) -> None:
        self.pending.records.setdefault(self.learner_id, set()).update(self.concerns)
        if self.plan:
            self.pending.plans.add(self.learner_id)


def touch(learner_id: int | None, *, plan: bool = True, label: str | None = None) -> None:
    """Move the learner's version: their cached sections are out of date from now on. With
    `plan` (the default: a write that bypasses signals may have moved anything), the version of
    their plans' shape moves too. `label` is the kind of row written, when one row was: the
    concerns it can't change keep their versions (`CONCERNS`); without it every one moves.

    Outside a request the move is made at once, in the writer's transaction (a rollback undoes
    both). Inside one it waits for the write to commit, then for the view to return, so a
    request that writes twenty rows moves the version once, and a write rolled back (an import
    refused half-way) moves nothing.
    """
    if learner_id is None:
        return
    concerns = concerns_moved_by(label)
    pending = _pending.get()
    if pending is None:
        _move({learner_id: concerns}, [learner_id] if plan else [])
    else:
        if plan:
            pending.plans_written.add(learner_id)
        transaction.on_commit(_Committed(pending, learner_id, plan, concerns))


def in_request() -> bool:
    """Whether this code runs inside a request (through RecordVersionMiddleware), where
    `request.user` was read from the database when the request began."""
    return _pending.get() is not None


def plan_written(learner_id: int) -> bool:
    """Whether this request changed the learner's plan shape: its version in memory is then
    older than what the request itself wrote."""
    pending = _pending.get()
    return pending is not None and learner_id in pending.plans_written


def _move(moves: dict[int, set[str] | frozenset[str]], plan_ids=()) -> None:
    """One UPDATE for each set of versions moved (a request usually writes for one learner)."""
    plan_ids = set(plan_ids)
    groups: dict[tuple[frozenset[str], bool], list[int]] = {}
    for learner_id, concerns in moves.items():
        groups.setdefault((frozenset(concerns), learner_id in plan_ids), []).append(learner_id)
    for (concerns, plan), learner_ids in groups.items():
        User.objects.filter(pk__in=learner_ids).update(**_moved(concerns, plan=plan))


def _moved(concerns, *, plan: bool) -> dict[str, F]:
    fields = ["record_version", *(User.version_field(name) for name in sorted(concerns))]
    if plan:
        fields.append("plan_version")
    return {field: F(field) + 1 for field in fields}


def touch_everyone() -> None:
    """The curriculum changed: every learner's pages and plans name modules and checkpoints."""
    User.objects.update(**_moved(EVERY_CONCERN, plan=True))


class RecordVersionMiddleware:
    """Moves the version of every learner whose rows a request saved or deleted, once, after the
    view has returned (and its transaction committed)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        pending = _Pending()
        token = _pending.set(pending)
        try:
            response = self.get_response(request)
        finally:
            _pending.reset(token)
        # A test runs inside a transaction that never commits; its callbacks wait in this
        # (long-stable) queue, and those of rolled-back savepoints have left it already.
        for _savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _Committed) and callback.pending is pending:
                callback()
        if pending.records:
            _move(pending.records, pending.plans)
        return response


def learner_of(row) -> int | None:
    """The id of the learner who owns `row`: its own `learner_id`, or its owned parent's."""
    if getattr(row, "learner_id", None) is not None:
        return row.learner_id
    for field in row._meta.concrete_fields:
        if field.is_relation and field.related_model in OWNED and getattr(row, field.attname):
            return learner_of(getattr(row, field.name))
    return None


def owned_row_changed(sender, instance, **kwargs) -> None:
    label = instance._meta.label_lower
    touch(learner_of(instance), plan=label in PLAN_SHAPE, label=label)


def curriculum_changed(sender, **kwargs) -> None:
    touch_everyone()
