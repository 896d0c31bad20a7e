"""Whose record a request reads, and how much of it.

A learner reads their own record: everything. A mentor reads a learner's record through an
active mentorship (`/mentoring/<id>/…`): its plans and progress, pace and hours always; its
notes, failures and runs as the learner's scope says (all, only those marked, none); nothing
that writes. `mentor_view` resolves the mentorship — another person's, an ended one, a pending
invite are all a 404 — and records the visit for the learner's access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone
from django.views.decorators.http import require_safe

from learners.lib import reader
from learners.mentors.models import Mentorship, Visit
from learners.models import User

VISITS_KEPT = timedelta(days=90)


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
    unread: str  # the nav's count of what's new (fetched after the page loads)
    prefix: str = "/"  # the site's own script prefix, outside the mount

    def url(self, name: str, *args) -> str:
        """A URL outside the mount (the mentor's own writes: comments, answers), reversed while
        the page renders under the mount's prefix."""
        inside = get_script_prefix()
        set_script_prefix(self.prefix)
        try:
            return reverse(name, args=args)
        finally:
            set_script_prefix(inside)


def shown_for(mentorship: Mentorship) -> reader.Shown:
    """What this mentorship lets its mentor see, for the managers (learners/lib/reader.py)."""
    plan_ids = (
        None
        if mentorship.all_plans
        else frozenset(mentorship.plan_scope.values_list("plan_id", flat=True))
    )
    return reader.Shown(
        notes=mentorship.notes,
        failures=mentorship.failures,
        runs=mentorship.runs,
        plan_ids=plan_ids,
    )


def log_visit(mentorship: Mentorship, path: str) -> None:
    Visit.objects.create(mentorship=mentorship, path=path[:500])
    # The learner's access log keeps 90 days: whoever writes to it prunes it.
    Visit.objects.filter(mentorship=mentorship, at__lt=timezone.now() - VISITS_KEPT).delete()


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
        mentor, prefix = request.user, get_script_prefix()
        request.mentoring = Reading(
            mentorship=found,
            reader=mentor,
            learner=found.learner,
            home=reverse("mentoring_home"),
            base=f"{prefix}mentoring/{found.pk}/",
            logout=reverse("logout"),
            unread=reverse("unread"),
            prefix=prefix,
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
        # The learner's access log: the pages the mentor saw (a 404 showed them nothing).
        if response.status_code == 200:
            log_visit(found, request.get_full_path())
        # Another person's record: never kept by a shared cache or the browser's history.
        response["Cache-Control"] = "private, no-store"
        return response

    wrapper.mentor_view = True
    # Anonymous visitors are sent to log in, like everywhere else; then the mentorship decides.
    return login_required(require_safe(wrapper))
