"""Whose record a request reads, and how much of it.

A learner reads their own record: everything. A mentor reads a learner's record through an
active mentorship (`/mentoring/<id>/…`): its plans and progress, pace and hours always; its
notes, failures and runs as the learner's scope says (all, only those marked, none); nothing
that writes. `mentor_view` resolves the mentorship — another person's, an ended one, a pending
invite are all a 404 — and records the visit for the learner's access log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone
from django.views.decorators.http import require_safe

from learners.lib import reader
from learners.mentors.models import Mentorship, Share, Visit
from learners.models import User

VISITS_KEPT = timedelta(days=90)


@dataclass(frozen=True)
class Scope:
    """What a reader may see of a record."""

    owner: User
    mentorship: Mentorship | None = None  # None: the learner themself
    plan_ids: frozenset[int] | None = None  # None: every plan
    notes: str = Share.ALL
    failures: str = Share.ALL
    runs: str = Share.ALL
    extra: dict = field(default_factory=dict)

    @property
    def readonly(self) -> bool:
        return self.mentorship is not None

    def shares(self, kind: str) -> Q:
        """A filter on notes, failures or runs (`kind`) for what this reader may see."""
        share = getattr(self, kind)
        if share == Share.ALL:
            return Q()
        if share == Share.MARKED:
            return Q(shared_with_mentors=True)
        return Q(pk__in=[])

    def sees(self, kind: str, row) -> bool:
        share = getattr(self, kind)
        return share == Share.ALL or (share == Share.MARKED and row.shared_with_mentors)

    def sees_plan(self, plan) -> bool:
        return plan is not None and (self.plan_ids is None or plan.pk in self.plan_ids)

    def plans(self) -> Q:
        return Q() if self.plan_ids is None else Q(pk__in=self.plan_ids)


def own(request: HttpRequest) -> Scope:
    return Scope(owner=request.user)


def of(mentorship: Mentorship) -> Scope:
    plan_ids = (
        None
        if mentorship.all_plans
        else frozenset(mentorship.plan_scope.values_list("plan_id", flat=True))
    )
    return Scope(
        owner=mentorship.learner,
        mentorship=mentorship,
        plan_ids=plan_ids,
        notes=mentorship.notes,
        failures=mentorship.failures,
        runs=mentorship.runs,
    )


def scope(request: HttpRequest) -> Scope:
    """The scope a view reads with: the mentor's (set by `mentor_view`) or the learner's own."""
    return getattr(request, "record_scope", None) or own(request)


def mentorship_for(request: HttpRequest, pk: int) -> Mentorship:
    """The requesting mentor's active mentorship `pk`, or a 404."""
    found = (
        Mentorship.objects.of_mentor(request.user).select_related("learner").filter(pk=pk).first()
        if request.user.is_authenticated
        else None
    )
    if found is None or not found.learner.is_active:
        raise Http404("No such learner here.")
    return found


@dataclass(frozen=True)
class Reading:
    """A mentor's read of a learner's record, for the page's frame (learners/web/context.py):
    who reads, whose record, and the URLs outside the mount."""

    mentorship: Mentorship
    reader: User
    learner: User
    home: str  # the mentor's home
    base: str  # the mount: the learner's dashboard as the mentor sees it
    logout: str


def shown_for(mentorship: Mentorship) -> reader.Shown:
    scope = of(mentorship)
    return reader.Shown(
        notes=scope.notes, failures=scope.failures, runs=scope.runs, plan_ids=scope.plan_ids
    )


def mentor_view(view):
    """Mount a learner's read view under /mentoring/<mentorship>/: the same view and template,
    reading the learner's record with the mentor's scope, its controls left out.

    For the view's duration `request.user` is the learner (every view reads "the record of
    request.user"), every default manager keeps to the scope (learners/lib/reader.py), and the
    script prefix is the mount, so each link the page reverses stays inside it. Only GET and
    HEAD reach it: a mentor changes nothing. The mentor is put back before the response leaves.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, mentorship: int, *args, **kwargs):
        found = mentorship_for(request, mentorship)
        Visit.objects.create(mentorship=found, path=request.get_full_path()[:500])
        # The learner's access log keeps 90 days: whoever writes to it prunes it.
        Visit.objects.filter(mentorship=found, at__lt=timezone.now() - VISITS_KEPT).delete()
        mentor, prefix = request.user, get_script_prefix()
        request.mentoring = Reading(
            mentorship=found,
            reader=mentor,
            learner=found.learner,
            home=reverse("mentoring_home"),
            base=f"{prefix}mentoring/{found.pk}/",
            logout=reverse("logout"),
        )
        request.readonly = True
        request.user = found.learner
        set_script_prefix(request.mentoring.base)
        try:
            with reader.showing(shown_for(found)):
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
        finally:
            set_script_prefix(prefix)
            request.user = mentor
        # Another person's record: never kept by a shared cache or the browser's history.
        response["Cache-Control"] = "private, no-store"
        return response

    wrapper.mentor_view = True
    # Anonymous visitors are sent to log in, like everywhere else; then the mentorship decides.
    return login_required(require_safe(wrapper))
