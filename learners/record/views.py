"""The failure log, the lessons learned, the quick capture, and the timeline.

Every view that takes a failure id looks it up through `_get_failure_for_user`, so another
learner's id is a 404, never a leak.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from curriculum.models import Module, slug_param
from learners.lib import reader
from learners.lib.submissions import key_from
from learners.plans.state import active_plan
from learners.record import timeline as feed
from learners.record.failures import (
    RESOLVED_CHOICES,
    LogFilters,
    capture_choices,
    category_counts,
    common_failure,
    logged_modules,
    record_failure,
)
from learners.record.forms import CaptureForm, FailureForm, ResolveForm
from learners.record.models import Category, Failure
from learners.record.summary import capture_form_for
from learners.web.answers import Change, next_url, respond

FAILURES_PER_PAGE = 50
LESSONS_PER_PAGE = 100


def _get_failure_for_user(request: HttpRequest, pk: int) -> Failure:
    failure = get_object_or_404(
        Failure.objects.select_related("module", "plan"), pk=pk, learner=request.user
    )
    if failure.plan is not None and not reader.sees(failure.plan):
        failure.plan = None  # a plan the learner doesn't share with this mentor
    return failure


# --- the log ---------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def failure_list(request: HttpRequest) -> HttpResponse:
    """Every failure across modules, filtered by category, module and resolved, with counts."""
    filters = LogFilters.from_query(request.GET)
    failures = filters.apply(Failure.objects.for_learner(request.user)).select_related("module")
    page = Paginator(failures, FAILURES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "filters_query": filters.query(),
        "counts": category_counts(request.user, filters),
        "modules": logged_modules(request.user),
        "categories": Category.choices,
        "resolved_choices": RESOLVED_CHOICES,
    }
    template = "record/failure_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@login_required
@vary_on_headers("HX-Request")
def failure_lessons(request: HttpRequest) -> HttpResponse:
    """The learner's own list of hard-won rules: every lesson, latest first."""
    filters = LogFilters.from_query(request.GET)
    mine = Failure.objects.for_learner(request.user)
    lessons = filters.apply(mine).with_lessons().select_related("module")
    page = Paginator(lessons, LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    plan = active_plan(request.user)
    context = {
        "page": page,
        "filters": filters,
        "filters_query": filters.query(),
        "plan": plan,
        "totals": mine.totals(plan),
        "modules": logged_modules(request.user),
        "categories": Category.choices,
    }
    template = "record/failure_lessons.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


# --- one failure -----------------------------------------------------------------------------


@login_required
def failure_new(request: HttpRequest) -> HttpResponse:
    """The full form. `?module=<slug>&common=<n>` starts from a module's common failure."""
    today = request.user.local_today()
    initial: dict = {"happened_on": today}
    module = Module.objects.active().filter(slug=slug_param(request.GET.get("module"))).first()
    if module is not None:
        initial["module"] = module.slug
        if item := common_failure(module, request.GET.get("common")):
            initial |= {"title": item["title"], "what_happened": item["detail"]}
    form = FailureForm(request.POST or None, initial=initial, today=today)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        failure = record_failure(
            request.user, data.pop("module"), submission_key=key_from(request), **data
        )
        messages.success(request, f"Logged “{failure.title}”.")
        return redirect(next_url(request, failure.get_absolute_url()))
    return render(
        request,
        "record/failure_form.html",
        {"form": form, "module": module},
        status=422 if form.errors else 200,
    )


@login_required
def failure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    failure = _get_failure_for_user(request, pk)
    return render(request, "record/failure_detail.html", {"failure": failure})


@login_required
def failure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    failure = _get_failure_for_user(request, pk)
    form = FailureForm(request.POST or None, instance=failure, today=request.user.local_today())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect(next_url(request, failure.get_absolute_url()))
    return render(
        request,
        "record/failure_form.html",
        {"form": form, "failure": failure, "module": failure.module},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def failure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    failure = _get_failure_for_user(request, pk)
    failure.delete()
    messages.success(request, f"Deleted “{failure.title}”.")
    return redirect(next_url(request, reverse("failure_list")))


@login_required
@require_POST
def failure_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Resolve or reopen. On the log, htmx gets the failure back; on the dashboard and the
    module page, their sections; a plain form goes back where it came from."""
    failure = _get_failure_for_user(request, pk)
    form = ResolveForm(request.POST)
    form.is_valid()  # a boolean field: absent means open, anything else resolved
    resolved = form.cleaned_data.get("resolved", False)
    failure.set_resolved(resolved)
    if request.htmx and request.POST.get("page") == "log":
        return render(
            request,
            "record/_failure_item.html",
            {
                "failure": failure,
                "page": "log",
                "show_module": True,
                "next_url": next_url(request, reverse("failure_list")),
            },
        )
    if not request.htmx:
        messages.success(request, "Marked resolved." if resolved else "Reopened.")
    return respond(
        request,
        fallback=failure.get_absolute_url(),
        module=failure.module,
        changed={Change.RECORD},
    )


# --- the quick capture ------------------------------------------------------------------------


@login_required
def failure_capture(request: HttpRequest) -> HttpResponse:
    """POST: log a failure from the dashboard or a module page. GET (htmx): the capture form
    started from one of a module's common failures; without htmx, the full form does that."""
    if request.method != "POST":
        return _capture_started_from(request)
    page = request.POST.get("page", "")
    posted = (
        Module.objects.active().filter(slug=slug_param(request.POST.get("capture-module"))).first()
    )
    form = CaptureForm(request.POST, modules=_capture_modules(request, page, posted))
    if not form.is_valid():
        if request.htmx:
            return respond(
                request,
                fallback="/",
                main="record/_capture.html",
                context={"capture": form},
                module=posted,
                status=422,
            )
        return _capture_as_full_form(request, form)
    data = form.cleaned_data
    module = data["module"]
    failure = record_failure(
        request.user,
        module,
        title=data["title"],
        category=data["category"],
        lesson=data["lesson"],
        what_happened=data["what_happened"],
        minutes_lost=data["minutes_lost"],
        submission_key=key_from(request),
    )
    if not request.htmx:
        messages.success(request, f"Logged “{failure.title}”.")
    fresh = capture_form_for(_capture_modules(request, page, module), default=module.slug)
    return respond(
        request,
        fallback=module.get_absolute_url() if page == "module" else "/",
        main="record/_capture.html",
        context={"capture": fresh, "saved": failure},
        module=module,
        changed={Change.RECORD},
    )


def _capture_modules(request: HttpRequest, page: str, module: Module | None) -> list:
    """The module page captures for its own module; elsewhere the select offers the plan's."""
    if page == "module" and module is not None:
        return [(module.slug, module.title)]
    return capture_choices(request.user, active_plan(request.user)).modules


def _capture_started_from(request: HttpRequest) -> HttpResponse:
    module = get_object_or_404(Module.objects.active(), slug=slug_param(request.GET.get("module")))
    if not request.htmx:
        query = urlencode({"module": module.slug, "common": request.GET.get("common", "")})
        return redirect(f"{reverse('failure_new')}?{query}")
    page = request.GET.get("page", "")
    item = common_failure(module, request.GET.get("common")) or {"title": "", "detail": ""}
    form = capture_form_for(
        _capture_modules(request, page, module),
        default=module.slug,
        initial={"title": item["title"], "what_happened": item["detail"]},
    )
    return render(
        request,
        "record/_capture.html",
        {
            "capture": form,
            "page": page,
            "started_from": item["title"],
            "module": module,
            "next_url": module.get_absolute_url() if page == "module" else "/",
        },
    )


def _capture_as_full_form(request: HttpRequest, capture: CaptureForm) -> HttpResponse:
    """Without JavaScript an invalid capture shows the full form, filled in, errors at the
    fields, posting to the full form's own view."""
    today = request.user.local_today()
    data = {
        name: request.POST.get(f"capture-{name}", "")
        for name in ("module", "title", "category", "lesson", "what_happened", "minutes_lost")
    }
    form = FailureForm({**data, "happened_on": today.isoformat()}, today=today)
    form.is_valid()
    return render(
        request,
        "record/failure_form.html",
        {"form": form, "module": None, "next": next_url(request, "/")},
        status=422,
    )


# --- the timeline -----------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def timeline(request: HttpRequest) -> HttpResponse:
    """The journey, newest first, a page of entries at a time; htmx appends the older pages."""
    kind = request.GET.get("kind", "")
    slug = slug_param(request.GET.get("module"))
    module = Module.objects.filter(slug=slug).first() if slug else None
    filters = feed.Filters(kind=kind if kind in feed.KIND_VALUES else "", module=module)
    after = feed.Key.decode(request.GET.get("before", ""))
    context = {"timeline": feed.build_timeline(request.user, filters, after), "filters": filters}
    template = "record/timeline.html"
    if request.htmx:
        # An older page is appended below the current one; a change of filters replaces it all.
        template += "#page" if after else "#results"
    else:
        context |= {
            "kinds": feed.KINDS,
            "modules": Module.objects.filter(progress__learner=request.user)
            .order_by("title")
            .only("id", "slug", "title"),
        }
    return render(request, template, context)
