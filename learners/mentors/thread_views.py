"""Comments and review requests, both sides. Thin: the rules are in threads.py.

The learner's URLs act on their own record (`learner=request.user`); the mentor's sit under
`/mentoring/<mentorship>/` and resolve the mentorship first (`mentorship_for`: an ended one, a
pending invite or another mentor's is a 404). Every write is a POST with CSRF; bad input answers
422 with the form and its errors and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from curriculum.models import Checkpoint, Module
from learners.experiments.models import Run
from learners.lib import reader
from learners.lib.ids import parse_id
from learners.mentors import threads
from learners.mentors.access import log_visit, mentorship_for, shown_for
from learners.mentors.forms import AskForm, CommentForm, ReplyForm
from learners.mentors.models import (
    Comment,
    Kind,
    Mentorship,
    RequestStatus,
    ReviewRequest,
    Status,
)
from learners.models import Note
from learners.record.models import Failure
from learners.web.answers import next_url


def _problem(request: HttpRequest, message: str, status: int = 422) -> HttpResponse:
    messages.error(request, message)
    return redirect(next_url(request, reverse("dashboard")))


# --- comments: the mentor writes ---------------------------------------------------------------


def _mentor_target(mentorship: Mentorship, raw: str):
    """The row a mentor's comment is on ("failure:12", "module:3"), looked up through the
    mentor's scope: what they can't see, they can't comment on."""
    field, _, pk = (raw or "").partition(":")
    model, pk = threads.TARGETS.get(field), parse_id(pk)
    if model is None or pk is None:
        return None
    if model is Module:
        return Module.objects.active().filter(pk=pk).first()
    with reader.showing(shown_for(mentorship)):
        return model.objects.filter(pk=pk, learner=mentorship.learner).first()


@login_required
@require_POST
def comment_create(request: HttpRequest, mentorship: int) -> HttpResponse:
    found = mentorship_for(request, mentorship)
    target = _mentor_target(found, request.POST.get("on", ""))
    if target is None:
        raise Http404("Nothing of theirs to comment on there.")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _problem(request, "Your comment wasn't saved: " + " ".join(form.errors["body"]))
    try:
        threads.comment(found, request.user, target, form.cleaned_data["body"])
    except threads.ThreadError as problem:
        return _problem(request, str(problem))
    messages.success(request, "Comment posted.")
    return redirect(next_url(request, reverse("mentor_dashboard", args=[found.pk])))


def _own_comment(request: HttpRequest, mentorship: int, pk: int) -> tuple[Mentorship, Comment]:
    found = mentorship_for(request, mentorship)
    # A comment, not a thread's message: those stay as sent.
    comment = get_object_or_404(
        Comment, pk=pk, mentorship=found, author=request.user, request__isnull=True
    )
    return found, comment


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_edit(request: HttpRequest, mentorship: int, pk: int) -> HttpResponse:
    found, comment = _own_comment(request, mentorship, pk)
    back = next_url(request, reverse("mentor_dashboard", args=[found.pk]))
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                threads.edit(comment, request.user, form.cleaned_data["body"])
            except threads.ThreadError as problem:
                form.add_error("body", str(problem))
            else:
                messages.success(request, "Comment saved.")
                return redirect(back)
        status = 422
    context = {"form": form, "comment": comment, "back": back, "mentorship": found}
    return render(request, "mentors/comment_edit.html", context, status=status)


@login_required
@require_POST
def comment_delete(request: HttpRequest, mentorship: int, pk: int) -> HttpResponse:
    found, comment = _own_comment(request, mentorship, pk)
    threads.delete(comment, request.user)
    messages.success(request, "Comment deleted.")
    return redirect(next_url(request, reverse("mentor_dashboard", args=[found.pk])))


# --- comments: the learner reads and hides -----------------------------------------------------


@login_required
@require_POST
def comment_hide(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(
        Comment, pk=pk, mentorship__learner=request.user, by_mentor=True, request__isnull=True
    )
    value = request.POST.get("hidden")
    if value not in {"on", "off"}:
        return HttpResponse("Say hidden=on or hidden=off.", status=400, content_type="text/plain")
    threads.hide(comment, request.user, value == "on")
    if request.htmx:
        comment.hide_url, comment.mine = request.path, False
        context = {"comment": comment, "learner_side": True, "next_url": _page_of(request)}
        return render(request, "mentors/_comment.html", context)
    return redirect(next_url(request, reverse("mentors_page")))


@login_required
@require_safe
def comment_list(request: HttpRequest, field: str, pk: int) -> HttpResponse:
    """The comments on one thing of the learner's, for the page to fetch again while it is
    open (a mentor's new comment shows without a reload)."""
    model = threads.TARGETS.get(field)
    if model is None:
        raise Http404("No comments on that.")
    if model is Module:
        target = get_object_or_404(Module.objects.active(), pk=pk)
        notes = Note.objects.filter(learner=request.user, module=target).values_list(
            "pk", flat=True
        )
        targets = {"module": [target.pk], "note": list(notes)}
    else:
        target = get_object_or_404(model.objects, pk=pk, learner=request.user)
        targets = {field: [target.pk]}
    comments = threads.comments_on(request.user, targets)
    for comment in comments:
        comment.hide_url, comment.mine = reverse("comment_hide", args=[comment.pk]), False
    context = {
        "comments": comments,
        "learner_side": True,
        "field": field,
        "poll_url": request.path,
        "poll_seconds": settings.MENTOR_POLL_SECONDS,
        "target": target,
        "next_url": _page_of(request),
    }
    return render(request, "mentors/_comment_list.html", context)


def _page_of(request: HttpRequest) -> str:
    """The page an htmx request came from (where a hide form goes back to without htmx)."""
    current = request.htmx.current_url_abs_path if request.htmx else None
    return current or reverse("mentors_page")


# --- review requests: the learner asks, reads, replies, closes ---------------------------------


def _subject(learner, data) -> threads.Subject | None:
    """What the learner's request is about, from the form's hidden fields; None when it names
    nothing of theirs."""
    kind = data.get("kind")

    def own(model, name):
        pk = parse_id(data.get(name))
        return None if pk is None else model.objects.filter(pk=pk, learner=learner).first()

    if kind == Kind.CHECKPOINT:
        pk = parse_id(data.get("checkpoint"))
        checkpoint = (
            Checkpoint.objects.filter(pk=pk, retired=False, module__in=Module.objects.active())
            .select_related("module")
            .first()
            if pk
            else None
        )
        return checkpoint and threads.Subject(kind, checkpoint=checkpoint)
    if kind == Kind.RUN:
        run = own(Run, "run")
        return run and threads.Subject(kind, run=run)
    if kind == Kind.COMPARE:
        run, other = own(Run, "run"), own(Run, "other_run")
        if run is None or other is None or run.pk == other.pk:
            return None
        return threads.Subject(kind, run=run, other_run=other)
    if kind == Kind.FAILURE:
        failure = own(Failure, "failure")
        return failure and threads.Subject(kind, failure=failure)
    return None


def active_mentorships(learner) -> list[Mentorship]:
    return list(
        Mentorship.objects.active()
        .filter(learner=learner)
        .select_related("mentor")
        .order_by("accepted_at", "id")
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    subject = _subject(request.user, data)
    if subject is None:
        raise Http404("Nothing of yours to ask about there.")
    mentorships = active_mentorships(request.user)
    form = AskForm(request.POST or None, mentorships=mentorships)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            chosen = next(m for m in mentorships if m.pk == form.cleaned_data["mentorship"])
            try:
                review = threads.ask(chosen, subject, form.cleaned_data["question"])
            except threads.ThreadError as problem:
                form.add_error(None, str(problem))
            else:
                messages.success(
                    request, f"Asked {threads.name_of(chosen.mentor)}: they'll see it here."
                )
                return redirect("request_detail", review.pk)
    context = {
        "form": form,
        "subject": subject,
        "mentorships": mentorships,
        "fields": {
            k: data.get(k, "") for k in ("kind", "checkpoint", "run", "other_run", "failure")
        },
    }
    return render(request, "mentors/request_new.html", context, status=status)


def _learner_request(request: HttpRequest, pk: int) -> ReviewRequest:
    return get_object_or_404(
        ReviewRequest.objects.select_related(
            "mentorship__mentor", "checkpoint__module", "run", "other_run", "failure"
        ),
        pk=pk,
        mentorship__learner=request.user,
    )


@login_required
@require_safe
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _learner_request(request, pk)
    return _request_page(request, review, learner_side=True)


def _request_page(request, review, *, learner_side, form=None, status=200):
    mentorship = review.mentorship
    writable = review.status != RequestStatus.CLOSED and mentorship.status == Status.ACTIVE
    if learner_side:
        form = form or CommentForm()
        form.fields["body"].label = "Reply"
        links = _links(review, None)
    else:
        form = form or ReplyForm()
        links = _links(review, mentorship)
    thread = list(review.thread.all())
    for comment in thread:  # a thread's messages stay as sent: no edit, no hide
        comment.hide_url, comment.mine = "", False
    context = {
        "review": review,
        "thread": thread,
        "learner_side": learner_side,
        "form": form if writable else None,
        "links": links,
        "mentorship": mentorship,
    }
    return render(request, "mentors/request.html", context, status=status)


def _links(review: ReviewRequest, mentorship: Mentorship | None) -> list[tuple[str, str | None]]:
    """What the request is about: (text, URL) pairs; for a mentor a URL inside the mount, or
    None when the learner has since stopped sharing it."""

    def url(name, *args):
        if mentorship is None:
            return reverse(name, args=args)
        return reverse(f"mentor_{name}", args=[mentorship.pk, *args])

    def seen(row):
        return mentorship is None or threads.visible_to(mentorship, row)

    if review.kind == Kind.CHECKPOINT:
        module = review.checkpoint.module
        return [
            (f"{module.title}: {review.checkpoint.text}", url("module_detail", module.slug)),
        ]
    if review.kind == Kind.FAILURE:
        failure = review.failure
        if not seen(failure):
            return [("A failure they no longer share with you", None)]
        return [(failure.title, url("failure_detail", failure.pk))]
    runs = [run for run in (review.run, review.other_run) if run is not None]
    if not all(seen(run) for run in runs):
        return [("Runs they no longer share with you", None)]
    links = [(run.name, url("run_detail", run.pk)) for run in runs]
    if review.kind == Kind.COMPARE:
        ids = "&".join(f"run={run.pk}" for run in runs)
        links.append(("Side by side", f"{url('run_compare')}?{ids}"))
    return links


@login_required
@require_POST
def request_reply(request: HttpRequest, pk: int) -> HttpResponse:
    review = _learner_request(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            threads.reply(review, request.user, form.cleaned_data["body"])
        except threads.ThreadError as problem:
            form.add_error("body", str(problem))
        else:
            return redirect("request_detail", review.pk)
    return _request_page(request, review, learner_side=True, form=form, status=422)


@login_required
@require_POST
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    review = _learner_request(request, pk)
    threads.close(review)
    messages.success(request, "Request closed.")
    return redirect("request_detail", review.pk)


# --- review requests: the mentor reads and answers ---------------------------------------------


def _mentor_request(request: HttpRequest, mentorship: int, pk: int):
    found = mentorship_for(request, mentorship)
    review = get_object_or_404(
        ReviewRequest.objects.select_related("checkpoint__module", "run", "other_run", "failure"),
        pk=pk,
        mentorship=found,
    )
    review.mentorship = found
    return found, review


@login_required
@require_safe
def mentor_request_detail(request: HttpRequest, mentorship: int, pk: int) -> HttpResponse:
    found, review = _mentor_request(request, mentorship, pk)
    log_visit(found, request.get_full_path())
    response = _request_page(request, review, learner_side=False)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def mentor_request_reply(request: HttpRequest, mentorship: int, pk: int) -> HttpResponse:
    found, review = _mentor_request(request, mentorship, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            threads.reply(
                review, request.user, form.cleaned_data["body"], form.cleaned_data["answered"]
            )
        except threads.ThreadError as problem:
            form.add_error("body", str(problem))
        else:
            return redirect("mentor_request_detail", found.pk, review.pk)
    return _request_page(request, review, learner_side=False, form=form, status=422)


@login_required
@require_POST
def mentor_request_answered(request: HttpRequest, mentorship: int, pk: int) -> HttpResponse:
    found, review = _mentor_request(request, mentorship, pk)
    threads.mark_answered(review)
    messages.success(request, "Marked answered.")
    return redirect("mentor_request_detail", found.pk, review.pk)


# --- unread, for the nav -----------------------------------------------------------------------


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """The inbox page was seen (Mentors for a learner, Mentoring for a mentor): posted by the
    page once it has loaded, with the time it was made, so a GET changes nothing and what
    arrived after the page was made stays new. Answers the nav's count, out of band."""
    side = request.POST.get("side")
    try:
        until = datetime.fromisoformat(request.POST.get("until", ""))
    except ValueError:
        until = None
    if side not in {"learner", "mentor"} or until is None or until.tzinfo is None:
        return HttpResponse(
            "Say side=learner or side=mentor, and until=<an ISO time with its zone>.",
            status=400,
            content_type="text/plain",
        )
    threads.mark_read(request.user, as_mentor=side == "mentor", until=until)
    return _unread_answer(request, oob=True)


@login_required
@require_safe
def unread(request: HttpRequest) -> HttpResponse:
    """The nav's count of what's new from the other side, fetched after the page loads (so no
    page pays for it) and again every so often."""
    return _unread_answer(request)


def _unread_answer(request: HttpRequest, oob: bool = False) -> HttpResponse:
    context = {
        "as_learner": threads.unread_for_learner(request.user),
        "as_mentor": threads.unread_for_mentor(request.user),
        "loaded": True,
        "oob": oob,
        "unread_url": reverse("unread"),
        "mentors_url": reverse("mentors_page"),
        "mentoring_url": reverse("mentoring_home"),
    }
    response = render(request, "mentors/_unread.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
