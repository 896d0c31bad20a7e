"""A learner's plans: start one from a list, read it, edit it, reorder and end it.

Every view that takes an object id looks it up through one ownership helper, so another
learner's id is a 404, never a leak.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from curriculum.models import Module, ModuleList, slug_param
from learners.models import Plan, PlanItem, PlanStatus, RevisionChange
from learners.plans import reentry
from learners.plans.changes import (
    PlanError,
    add_module,
    end_plan,
    move_item,
    remove_item,
    start_plan,
)
from learners.plans.forms import PauseForm, PlanForm, PlanStartForm
from learners.plans.hint import PlanHint, plan_hint
from learners.plans.pace import weeks_for
from learners.plans.state import forecast_for, load_plan_state
from learners.web.answers import next_url

PLAN_WEEKS = 12  # when the track's modules carry no hours


def _get_plan_for_user(request: HttpRequest, pk: int) -> Plan:
    return get_object_or_404(
        Plan.objects.select_related("module_list"), pk=pk, learner=request.user
    )


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    # Meta.ordering doesn't apply to aggregate queries: order explicitly.
    plans = (
        Plan.objects.for_learner(request.user)
        .annotate(module_count=Count("items"))
        .order_by("-created_at")
    )
    return render(
        request, "plans/list.html", {"plans": plans, "lists": ModuleList.objects.to_choose_from()}
    )


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    """Start a plan from a published list, keeping only the modules the learner wants."""
    slug = slug_param(request.POST.get("list") or request.GET.get("list"))
    if not slug:
        return render(
            request, "plans/choose_list.html", {"lists": ModuleList.objects.to_choose_from()}
        )
    module_list, items, form = _start_form(request, slug)
    if request.method == "POST" and form.is_valid():
        kept = set(form.cleaned_data["modules"])
        chosen = [item for item in items if str(item.module_id) in kept]
        try:
            start_plan(
                request.user,
                goal=form.cleaned_data["goal"],
                start_date=form.cleaned_data["start_date"],
                target_end=form.cleaned_data["target_end"],
                weekly_hours=form.cleaned_data["weekly_hours"],
                modules=[item.module for item in chosen],
                module_list=module_list,
                required={item.module_id: item.required for item in chosen},
            )
        except PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your plan has started. The first module is waiting below.")
            return redirect("dashboard")
    has_active = Plan.objects.for_learner(request.user).active().exists()
    context = {
        "form": form,
        "module_list": module_list,
        "items": items,
        "has_active": has_active,
        "hint": _hint(form, items, request.user.local_today()),
    }
    return render(request, "plans/new.html", context, status=_form_status(request, form))


@login_required
@require_POST
def plan_hint_view(request: HttpRequest) -> HttpResponse:
    """The new-plan form's hint for what it holds so far (htmx sends the form on each change).

    A POST, as the form is: its CSRF token would otherwise travel in the URL. It reads and
    writes nothing of the learner's; without JavaScript the same hint comes with the form
    when it is sent back with its errors.
    """
    slug = slug_param(request.POST.get("list"))
    _module_list, items, form = _start_form(request, slug)
    hint = _hint(form, items, request.user.local_today())
    return render(request, "plans/_hint.html", {"hint": hint})


def _start_form(request: HttpRequest, slug: str):
    """The published list named by `slug` (404 otherwise), its modules, and the start form."""
    module_list = get_object_or_404(ModuleList.objects.published(), slug=slug)
    items = list(module_list.items.filter(module__retired_at__isnull=True).select_related("module"))
    choices = [(str(item.module_id), item.module.title) for item in items]
    today = request.user.local_today()
    weekly = request.user.weekly_hours_target
    # The track's own hours at the learner's weekly target: a 216-hour track at 10 h is 22 weeks.
    hours = sum((item.module.hours or 0) for item in items)
    initial = {
        "start_date": today,
        "target_end": today + timedelta(weeks=weeks_for(hours, weekly) or PLAN_WEEKS),
        "weekly_hours": weekly,
        "modules": [value for value, _ in choices],
    }
    form = PlanStartForm(request.POST or None, initial=initial, module_choices=choices, today=today)
    return module_list, items, form


def _hint(form: PlanStartForm, items, today) -> PlanHint | None:
    """What the form's dates, hours and modules imply, from each field on its own: a form
    with an error elsewhere (an empty goal) still gets its hint."""
    hours = {str(item.module_id): item.module.hours or Decimal(0) for item in items}
    return plan_hint(
        hours,
        [str(value) for value in (_field_value(form, "modules") or [])],
        _field_value(form, "start_date"),
        _field_value(form, "target_end"),
        _field_value(form, "weekly_hours"),
        today,
    )


def _field_value(form, name: str):
    """The field's cleaned value as sent (or as first offered), or None if it isn't valid."""
    field = form.fields[name]
    if not form.is_bound:
        return form.get_initial_for_field(field, name)
    raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    try:
        return field.clean(raw)
    except ValidationError:
        return None


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    state = load_plan_state(plan, request.user)
    in_plan = {s.module.id for s in state.modules}
    addable = (
        Module.objects.active().exclude(id__in=in_plan).only("id", "slug", "title")
        if plan.is_active
        else []
    )
    template = "plans/detail.html"
    if request.htmx:
        template += "#plan_modules"
    today = request.user.local_today()
    pauses = list(plan.pauses.all())
    context = {
        "plan": plan,
        "state": state,
        "addable": addable,
        "pauses": pauses,
        "paused": reentry.current_pause(pauses, today),
        "revisions": list(plan.revisions.all()),
        "pause_form": PauseForm(initial={"resumes_on": today + timedelta(weeks=1)}),
    }
    return render(request, template, context)


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    if not plan.is_active:
        messages.error(request, "This plan has ended; it can be read but not changed.")
        return redirect(plan)
    form = PlanForm(
        request.POST or None,
        today=request.user.local_today(),
        current_end=plan.target_end,
        initial={
            "goal": plan.goal,
            "start_date": plan.start_date,
            "target_end": plan.target_end,
            "weekly_hours": plan.weekly_hours,
        },
    )
    if request.method == "POST" and form.is_valid():
        for field in ("goal", "start_date", "target_end", "weekly_hours"):
            setattr(plan, field, form.cleaned_data[field])
        plan.save(update_fields=["goal", "start_date", "target_end", "weekly_hours"])
        messages.success(request, "Plan updated.")
        return redirect(plan)
    return render(
        request,
        "plans/edit.html",
        {"plan": plan, "form": form},
        status=_form_status(request, form),
    )


def _form_status(request: HttpRequest, form) -> int:
    """422 for a form sent back with its errors, as the record's and the dashboard's forms answer."""
    return 422 if request.method == "POST" and form.errors else 200


@login_required
@require_POST
def plan_end(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    outcome = request.POST.get("outcome", "")
    try:
        end_plan(plan, outcome)
    except PlanError as error:
        messages.error(request, str(error))
    else:
        word = "finished — well done" if outcome == PlanStatus.FINISHED else "abandoned"
        messages.success(request, f"Plan {word}. It stays readable under Plans.")
    return redirect(plan)


@login_required
@require_POST
def plan_pause(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    form = PauseForm(request.POST)
    today = request.user.local_today()
    try:
        resumes_on = form.cleaned_data["resumes_on"] if form.is_valid() else None
        pause = reentry.pause(plan, today, resumes_on)
    except PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Plan paused until {pause.resumes_on:%-d %B}. Enjoy the break: the pace, the weekly "
            "target and the weekly email wait for you.",
        )
    return redirect(_back(request, plan))


@login_required
@require_POST
def plan_resume(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    if reentry.resume(plan, request.user.local_today()):
        messages.success(request, "Welcome back: the plan runs again from today.")
    return redirect(_back(request, plan))


@login_required
@require_POST
def plan_replan(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the dashboard's offers after a gap, applied as offered (worked out again here)."""
    plan = _get_plan_for_user(request, pk)
    state = load_plan_state(plan)
    today = request.user.local_today()
    pauses = list(plan.pauses.all())
    offer = reentry.gap(plan, state, forecast_for(request.user, state, today), pauses, today)
    change = request.POST.get("change", "")
    if offer is None or change not in RevisionChange.values:
        messages.error(request, "That re-plan isn't on offer any more.")
        return redirect("dashboard")
    try:
        revision = reentry.apply(plan, change, offer, reason=f"{offer.days_away} days away")
    except PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{revision.get_change_display()}. The old plan is kept below.")
    return redirect(plan)


def _back(request: HttpRequest, plan: Plan) -> str:
    return next_url(request, plan.get_absolute_url())


@login_required
@require_POST
def plan_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    module = Module.objects.active().filter(slug=slug_param(request.POST.get("module"))).first()
    if module is None:
        messages.error(request, "Choose a module from the catalogue to add.")
    else:
        try:
            add_module(plan, module)
        except PlanError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Added “{module.title}” at the end of your plan.")
    return _plan_changed(request, plan)


@login_required
@require_POST
def plan_item_remove(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    item = get_object_or_404(PlanItem.objects.select_related("module"), pk=item_id, plan=plan)
    try:
        remove_item(plan, item)
    except PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Dropped “{item.module.title}”. Your record of it is kept.")
    return _plan_changed(request, plan)


@login_required
@require_POST
def plan_item_move(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    item = get_object_or_404(PlanItem, pk=item_id, plan=plan)
    try:
        move_item(plan, item, request.POST.get("direction", ""))
    except PlanError as error:
        messages.error(request, str(error))
    return _plan_changed(request, plan)


def _plan_changed(request: HttpRequest, plan: Plan) -> HttpResponse:
    """htmx gets the plan's module list again; a plain form post goes back to the plan page."""
    if request.htmx:
        return plan_detail(request, plan.pk)
    return redirect(reverse("plan_detail", args=[plan.pk]))
