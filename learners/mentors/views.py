"""Mentor pages: the learner's Mentors page (invite, scope, access log, end), the invite link,
and the mentor's home. Thin: the rules live in relationship.py, the rows in home.py."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from learners.mentors import relationship, threads
from learners.mentors.access import mentorship_for
from learners.mentors.forms import InviteForm, ScopeForm
from learners.mentors.home import rows_for, since_text
from learners.mentors.models import Mentorship, Status, Visit

ACCESS_LOG_DAYS = 90
ACCESS_LOG_ROWS = 30  # per mentor, newest first


# --- the learner's side ----------------------------------------------------------------------


@login_required
@require_safe
def mentors_page(request: HttpRequest) -> HttpResponse:
    return _mentors_page(request, InviteForm())


def _mentors_page(
    request: HttpRequest, invite_form: InviteForm, status: int = 200, scope_forms=None
):
    since = timezone.now() - timedelta(days=ACCESS_LOG_DAYS)
    open_ones = list(
        Mentorship.objects.filter(learner=request.user, status__in=[Status.PENDING, Status.ACTIVE])
        .select_related("mentor")
        .prefetch_related(
            "plan_scope",
            Prefetch("visits", queryset=Visit.objects.filter(at__gte=since), to_attr="recent"),
        )
        .order_by("status", "-accepted_at", "-invited_at")
    )
    scope_forms = scope_forms or {}
    for mentorship in open_ones:
        mentorship.scope_form = scope_forms.get(mentorship.pk) or ScopeForm(mentorship=mentorship)
        mentorship.log = mentorship.recent[:ACCESS_LOG_ROWS]
        mentorship.last_visit = mentorship.recent[0] if mentorship.recent else None
    past = list(
        Mentorship.objects.filter(learner=request.user)
        .exclude(status__in=[Status.PENDING, Status.ACTIVE])
        .select_related("mentor")[:10]
    )
    context = {
        "active": [m for m in open_ones if m.is_active],
        "pending": [m for m in open_ones if not m.is_active],
        "past": past,
        "invite_form": invite_form,
        "log_days": ACCESS_LOG_DAYS,
        "inbox": threads.inbox_for_learner(request.user),
    }
    context["read_until"] = timezone.now().isoformat()
    return render(request, "mentors/page.html", context, status=status)


@login_required
@require_POST
def invite_create(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            mentorship = relationship.invite(
                request.user, form.cleaned_data["email"], form.cleaned_data["message"]
            )
        except relationship.MentorshipError as problem:
            form.add_error("email", str(problem))
        else:
            messages.success(request, f"Invite sent to {mentorship.email}.")
            return redirect("mentors_page")
    return _mentors_page(request, form, status=422)


def _own(request: HttpRequest, pk: int) -> Mentorship:
    return get_object_or_404(
        Mentorship.objects.select_related("mentor"), pk=pk, learner=request.user
    )


@login_required
@require_POST
def invite_resend(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _own(request, pk)
    try:
        relationship.resend(mentorship)
    except relationship.MentorshipError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request, f"Invite sent again to {mentorship.email}: the old link no longer works."
        )
    return redirect("mentors_page")


@login_required
@require_POST
def invite_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _own(request, pk)
    relationship.withdraw(mentorship)
    messages.success(
        request, f"The invite to {mentorship.email} is withdrawn: its link no longer works."
    )
    return redirect("mentors_page")


@login_required
@require_POST
def mentorship_end(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _own(request, pk)
    relationship.end(mentorship)
    messages.success(request, f"{_name(mentorship)} no longer sees your record.")
    return redirect("mentors_page")


@login_required
@require_POST
def mentorship_scope(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(
        Mentorship.objects.prefetch_related("plan_scope"),
        pk=pk,
        learner=request.user,
        status__in=[Status.PENDING, Status.ACTIVE],
    )
    form = ScopeForm(request.POST, mentorship=mentorship)
    if not form.is_valid():
        return _mentors_page(request, InviteForm(), status=422, scope_forms={pk: form})
    data = form.cleaned_data
    relationship.set_scope(
        mentorship,
        all_plans=data["which_plans"] == "all",
        plans=list(data["plans"]),
        notes=data["notes"],
        failures=data["failures"],
        runs=data["runs"],
    )
    messages.success(request, f"Saved what {_name(mentorship)} sees.")
    return redirect(f"{reverse('mentors_page')}#mentor-{pk}")


def masked(email: str) -> str:
    """ "al…@example.com": enough for its owner to recognise, not to give it away."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}…@{domain}"


def _name(mentorship: Mentorship) -> str:
    if mentorship.mentor is not None:
        return mentorship.mentor.get_full_name() or mentorship.mentor.email
    return mentorship.email


# --- the invite link -------------------------------------------------------------------------


def invite_page(request: HttpRequest, token: str) -> HttpResponse:
    """Accept or decline. Anyone holding the link may read who sent it; only the invited
    address's account may accept, once."""
    try:
        mentorship = relationship.from_token(token)
    except relationship.InviteProblem as problem:
        return render(request, "mentors/invite.html", {"problem": str(problem)}, status=410)
    # A link can be forwarded: the page names the invited address in full only to its account.
    context = {
        "mentorship": mentorship,
        "learner": mentorship.learner,
        "invited": masked(mentorship.email),
    }
    if not request.user.is_authenticated:
        here = request.get_full_path()
        context["signup_url"] = f"{reverse('signup')}?{urlencode({'next': here})}"
        context["login_url"] = f"{reverse('login')}?{urlencode({'next': here})}"
        return render(request, "mentors/invite.html", context)
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "decline":
                relationship.decline(mentorship, request.user)
                messages.success(request, "Invite declined. Nothing of theirs is shared with you.")
                return redirect("dashboard")
            relationship.accept(mentorship, request.user)
        except relationship.InviteProblem as problem:
            context["problem"] = str(problem)
            return render(request, "mentors/invite.html", context, status=403)
        messages.success(
            request,
            f"You now mentor {mentorship.learner.get_full_name() or mentorship.learner.email}.",
        )
        return redirect("mentoring_home")
    if request.user.email.lower() != mentorship.email:
        context["problem"] = (
            f"This invite is for another address ({masked(mentorship.email)}), and you're "
            f"logged in as {request.user.email}. Log out and sign up or log in with that address."
        )
        return render(request, "mentors/invite.html", context, status=403)
    return render(request, "mentors/invite.html", context)


# --- the mentor's side -----------------------------------------------------------------------


@login_required
@require_safe
def mentoring_home(request: HttpRequest) -> HttpResponse:
    rows = rows_for(request.user)
    requests = threads.requests_by_mentorship([row.mentorship for row in rows])
    for row in rows:
        row.since = since_text(row.days_quiet)
        row.requests = requests[row.mentorship.pk]
        for review in row.requests:
            review.unread = review.created_at > row.mentorship.mentor_read_at
    context = {
        "rows": rows,
        "recent": threads.recent_from_learners(request.user),
        "read_until": timezone.now().isoformat(),
    }
    return render(request, "mentors/home.html", context)


@login_required
@require_POST
def mentoring_end(request: HttpRequest, mentorship: int) -> HttpResponse:
    found = mentorship_for(request, mentorship)
    relationship.end(found)
    messages.success(
        request, f"You no longer mentor {found.learner.get_full_name() or found.learner.email}."
    )
    return redirect("mentoring_home")
