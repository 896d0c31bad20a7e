"""The module page, and what a learner does on it: status, checkpoints, confidence, notes.

URLs name a module by slug and always act on the requesting learner's own record; notes are
looked up by id through `_get_note_for_user`, so another learner's note is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from curriculum.models import Checkpoint, Module, slug_param
from curriculum.rendering import render_markdown
from curriculum.views import module_for_page
from learners.lib import ratelimit
from learners.lib.submissions import key_from, save_once
from learners.models import Note
from learners.papers import ledger as papers_ledger
from learners.study.forms import ConfidenceForm, NoteForm, StatusForm, TickForm
from learners.study.panel import build_module_panel
from learners.study.progress import rate_confidence, set_status, set_tick
from learners.web.answers import Change, respond


def module_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The module's text, and beside it the learner's own record of it when logged in."""
    module = module_for_page(slug)
    context = {"module": module}
    if request.user.is_authenticated:
        context["panel"] = build_module_panel(request.user, module)
    return render(request, "study/module.html", context)


def _get_active_module(slug: str) -> Module:
    return get_object_or_404(Module.objects.active(), slug=slug)


# Previews render markdown and save nothing: a script could ask for them in a loop.
PREVIEWS_PER_MINUTE = 30


def _preview_refused(request: HttpRequest) -> HttpResponse | None:
    """429 with Retry-After once the learner has asked for PREVIEWS_PER_MINUTE previews."""
    wait = ratelimit.hit(f"note-preview:{request.user.pk}", limit=PREVIEWS_PER_MINUTE, window=60)
    if wait is None:
        return None
    response = HttpResponse(
        f"Too many previews in a minute: try again in {wait} seconds.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    return response


def _get_note_for_user(request: HttpRequest, pk: int) -> Note:
    return get_object_or_404(Note.objects.select_related("module"), pk=pk, learner=request.user)


@login_required
@require_POST
def module_status(request: HttpRequest, slug: str) -> HttpResponse:
    module = _get_active_module(slug)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _invalid(
            request, module, "Choose a status: not started, in progress, done or skipped."
        )
    set_status(request.user, module, form.cleaned_data["status"])
    return respond(
        request,
        fallback=module.get_absolute_url(),
        main="study/_status_form.html",
        module=module,
        changed={Change.PROGRESS},
    )


@login_required
@require_POST
def checkpoint_tick(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    module = _get_active_module(slug)
    checkpoint = get_object_or_404(
        Checkpoint.objects.select_related("module"), module=module, key=key, retired=False
    )
    form = TickForm(request.POST)
    form.is_valid()  # a boolean field: absent means unticked, anything else ticked
    ticked = form.cleaned_data.get("ticked", False)
    if ticked and checkpoint.requires_ledger:
        owned, total = papers_ledger.ledger_owned(request.user, module)
        if owned < total or not total:
            refused = (
                f"This checkpoint asks for the whole reading ledger checked: you own {owned} "
                f"of {total}. Check the rest first."
            )
            if not request.htmx:
                messages.error(request, refused)
                return redirect(module.get_absolute_url() + "#checkpoints")
            # The box comes back unticked, with the reason beside it (nothing was saved).
            return respond(
                request,
                fallback=module.get_absolute_url(),
                main="study/_tick.html",
                context={"checkpoint": checkpoint, "ticked": False, "refused": refused},
                module=module,
            )
    set_tick(request.user, checkpoint, ticked)
    return respond(
        request,
        fallback=module.get_absolute_url(),
        main="study/_tick.html",
        context={"checkpoint": checkpoint, "ticked": form.cleaned_data.get("ticked", False)},
        module=module,
        changed={Change.PROGRESS},
    )


@login_required
@require_POST
def module_confidence(request: HttpRequest, slug: str) -> HttpResponse:
    module = _get_active_module(slug)
    form = ConfidenceForm(request.POST)
    if not form.is_valid():
        return _invalid(request, module, "Confidence is a number from 1 to 5.")
    rate_confidence(request.user, module, form.cleaned_data["confidence"])
    return respond(
        request,
        fallback=module.get_absolute_url(),
        main="study/_confidence.html",
        module=module,
        changed={Change.PROGRESS},
    )


@login_required
@require_POST
def note_create(request: HttpRequest, slug: str) -> HttpResponse:
    module = _get_active_module(slug)
    form = NoteForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return respond(
                request,
                fallback=module.get_absolute_url(),
                main="study/_note_form.html",
                context={"note_form": form},
                module=module,
                status=422,
            )
        return render(request, "study/note_edit.html", {"form": form, "module": module}, status=422)
    note = form.save(commit=False)
    note.learner, note.module = request.user, module
    save_once(note, key_from(request))
    if not request.htmx:
        messages.success(request, "Note saved.")
    return respond(
        request,
        fallback=module.get_absolute_url() + "#notes",
        main="study/_note_form.html",
        context={"note_form": NoteForm(), "saved": True},
        module=module,
        changed={Change.NOTES},
    )


@login_required
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = _get_note_for_user(request, pk)
    form = NoteForm(request.POST or None, instance=note)
    preview = None
    if request.method == "POST":
        if "preview" in request.POST and (refused := _preview_refused(request)):
            return refused
        if "preview" in request.POST and form.is_valid():
            preview = render_markdown(form.cleaned_data["body"], anchors=False)
        elif form.is_valid():
            form.save()
            messages.success(request, "Note updated.")
            return redirect(note.module.get_absolute_url() + "#notes")
    return render(
        request,
        "study/note_edit.html",
        {"form": form, "note": note, "module": note.module, "preview": preview},
        status=422 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_POST
def note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    note = _get_note_for_user(request, pk)
    module = note.module
    note.delete()
    messages.success(request, "Note deleted.")
    return redirect(module.get_absolute_url() + "#notes")


@login_required
@require_POST
def note_preview(request: HttpRequest) -> HttpResponse:
    """The markdown as it will look, sanitized like the saved note; a fragment for htmx."""
    if refused := _preview_refused(request):
        return refused
    body = request.POST.get("body", "")[:20_000]
    html = render_markdown(body, anchors=False) if body.strip() else ""
    if request.htmx:
        return render(request, "study/_note_preview.html", {"preview": html})
    module = Module.objects.active().filter(slug=slug_param(request.POST.get("module"))).first()
    context = {"form": NoteForm(request.POST), "preview": html, "module": module}
    return render(request, "study/note_edit.html", context)


def _invalid(request: HttpRequest, module: Module, message: str) -> HttpResponse:
    # Only a tampered request gets here (the page offers valid choices only). 400, not 422:
    # htmx swaps nothing, so the control stays, and static/js/app.js shows the message.
    if request.htmx:
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(module.get_absolute_url())
