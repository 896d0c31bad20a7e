"""Study time: the quick-log form, the list of sessions, and the start/stop timer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from curriculum.models import Module, slug_param
from learners.lib.submissions import key_from, save_once
from learners.models import StudySession, Timer, active_plan_modules
from learners.study.forms import SessionForm, TimerForm, session_form_for
from learners.web.answers import Change, next_url, respond

SESSIONS_PER_PAGE = 50
MAX_TIMER_MINUTES = 24 * 60


def _get_session_for_user(request: HttpRequest, pk: int) -> StudySession:
    return get_object_or_404(
        StudySession.objects.select_related("module"), pk=pk, learner=request.user
    )


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """GET: every session, newest first, paged. POST: the quick-log form."""
    if request.method == "POST":
        return session_create(request)
    sessions = StudySession.objects.filter(learner=request.user).select_related("module")
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "study/session_list.html",
        {"page": page, "session_form": session_form_for(request.user)},
    )


def session_create(request: HttpRequest) -> HttpResponse:
    # Sent from a module's page, the form logs time on that module (session_form_for).
    page_module = _page_module(request)
    form = session_form_for(request.user, data=request.POST, module=page_module)
    if not form.is_valid():
        if request.htmx:
            return respond(
                request,
                fallback="/",
                main="study/_quick_log.html",
                context={"session_form": form},
                module=page_module,
                status=422,
            )
        return render(
            request, "study/session_list.html", {"session_form": form, "page": None}, status=422
        )
    session = form.save(commit=False)
    session.learner = request.user
    session, _ = save_once(session, key_from(request))
    if not request.htmx:
        messages.success(request, f"Logged {minutes_text(session.minutes)}.")
    return respond(
        request,
        fallback="/",
        main="study/_quick_log.html",
        context={
            "session_form": session_form_for(request.user, module=page_module),
            "logged": session,
        },
        module=session.module,
        changed={Change.HOURS},
    )


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_user(request, pk)
    form = SessionForm(
        request.POST or None,
        instance=session,
        today=request.user.local_today(),
        module_queryset=_session_modules(request.user, session),
        prefix="session",
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Session updated.")
        return redirect("session_list")
    return render(
        request,
        "study/session_edit.html",
        {"form": form, "session": session},
        status=422 if form.errors else 200,
    )


def _session_modules(learner, session: StudySession):
    """The plan's modules, plus the session's own module if it has since left the plan."""
    modules = active_plan_modules(learner)
    if session.module_id:
        modules = modules | Module.objects.filter(pk=session.module_id)
    return modules.distinct().order_by("title")


@login_required
@require_POST
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_user(request, pk)
    session.delete()
    messages.success(request, "Session deleted.")
    return redirect("session_list")


@login_required
@require_POST
def timer_start(request: HttpRequest) -> HttpResponse:
    form = TimerForm(request.POST)
    module = None
    reading_pass = ""
    if form.is_valid() and form.cleaned_data["module"]:
        module = Module.objects.active().filter(pk=form.cleaned_data["module"]).first()
        reading_pass = form.cleaned_data["reading_pass"]
    if request.POST.get("reading_pass") and reading_pass not in keys_or_none(module):
        # The page offers the paper's passes only: anything else is refused, nothing started.
        message = "Choose one of this paper's reading passes, or none."
        if request.htmx:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect(next_url(request, "/"))
    try:
        with transaction.atomic():
            Timer.objects.create(learner=request.user, module=module, reading_pass=reading_pass)
    except IntegrityError:
        pass  # already running: a second click or tab keeps the first start time
    timer = Timer.objects.filter(learner=request.user).select_related("module").first()
    return respond(
        request,
        fallback="/",
        main="study/_timer.html",
        context={"timer": timer},
        module=_page_module(request),
        changed={Change.TIMER},
    )


@login_required
@require_POST
def timer_stop(request: HttpRequest) -> HttpResponse:
    """Log the elapsed time as a session, to the nearest minute (timer_minutes). Stopping a
    stopped timer logs nothing; so does stopping one within its first minute, and it says so."""
    now = timezone.now()
    timer = Timer.objects.filter(learner=request.user).select_related("module").first()
    logged = None
    too_short = None
    if timer is not None:
        # Delete first: of two simultaneous stops only the one that deletes the row logs time.
        deleted, _ = Timer.objects.filter(pk=timer.pk).delete()
        seconds = timer.elapsed(now).total_seconds()
        minutes = timer_minutes(seconds)
        if deleted and minutes >= 1:
            logged = StudySession.objects.create(
                learner=request.user,
                module=timer.module,
                date=timezone.localtime(timer.started_at, request.user.tz).date(),
                minutes=minutes,
                description="Timed session",
                reading_pass=timer.reading_pass,
            )
            if not request.htmx:
                messages.success(request, f"Logged {minutes_text(logged.minutes)}.")
        elif deleted:
            too_short = max(0, int(seconds))
            if not request.htmx:
                messages.info(
                    request,
                    f"Stopped after {too_short} second{'' if too_short == 1 else 's'}: "
                    "under a minute, so nothing was logged.",
                )
    return respond(
        request,
        fallback="/",
        main="study/_timer.html",
        context={"logged": logged, "timer": None, "too_short": too_short},
        module=_page_module(request),
        changed={Change.TIMER, Change.HOURS} if logged else {Change.TIMER},
    )


def keys_or_none(module: Module | None) -> set[str]:
    return {spec["key"] for spec in module.reading_passes} if module else set()


def timer_minutes(seconds: float) -> int:
    """A timer's session in whole minutes, to the nearest (half a minute rounds up), at most a
    day. Under a minute is 0: nothing is logged (a start and stop by mistake is not study)."""
    if seconds < 60:
        return 0
    return min(int((seconds + 30) // 60), MAX_TIMER_MINUTES)


def minutes_text(minutes: int) -> str:
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _page_module(request: HttpRequest) -> Module | None:
    """The module whose page the timer was used on: its panel is what the answer refreshes.
    (The timer may run on another module; refreshing that one would put it on this page.)"""
    return Module.objects.active().filter(slug=slug_param(request.POST.get("page_module"))).first()
