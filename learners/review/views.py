"""The Review page and the controls that shape the queue.

Every card is looked up through `_get_card_for_user`, so another learner's card is a 404.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from curriculum.models import Module
from learners.models import Note
from learners.review import cards, queue, schedule
from learners.review.forms import QuestionForm, RateForm
from learners.review.models import Card, Kind, PausedModule

MAX_DURATION = timedelta(minutes=10)  # longer than that, the learner walked away: not timed


def _get_card_for_user(request: HttpRequest, pk: int) -> Card:
    return get_object_or_404(Card.objects.select_related("module"), pk=pk, learner=request.user)


def _get_module(slug: str) -> Module:
    return get_object_or_404(Module.objects.active(), slug=slug)


@login_required
@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    return render(request, "review/page.html", _page_context(request))


def _page_context(request: HttpRequest) -> dict:
    now = timezone.now()
    return {
        "has_cards": Card.objects.filter(learner=request.user).exists(),
        "card": queue.next_card(request.user, now),
        "today": queue.today(request.user, now),
        "shown": int(time.time() * 1000),
    }


@login_required
@require_POST
def review_rate(request: HttpRequest, pk: int) -> HttpResponse:
    card = _get_card_for_user(request, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _refused(request, "Rate the card 1 (again) to 4 (easy).")
    now = timezone.now()
    if form.cleaned_data["due"] == card.due:  # not already answered from this page
        schedule.rate(card, form.cleaned_data["rating"], now, _duration(form, now))
    if not request.htmx:
        return redirect("review_page")
    return render(request, "review/page.html#answer", _page_context(request) | {"refresh": True})


def _duration(form: RateForm, now) -> int | None:
    shown = form.cleaned_data.get("shown")
    if not shown:
        return None
    elapsed = now.timestamp() * 1000 - shown
    return int(elapsed) if 0 < elapsed <= MAX_DURATION.total_seconds() * 1000 else None


@login_required
@require_POST
def review_restart(request: HttpRequest) -> HttpResponse:
    moved = queue.gentle_restart(request.user)
    if moved:
        messages.success(
            request,
            f"{moved} overdue card{'s' if moved != 1 else ''} spread over the next seven days, "
            "the ones you are most likely to have forgotten first.",
        )
    return redirect("review_page")


@login_required
@require_POST
def card_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    card = _get_card_for_user(request, pk)
    card.suspended = request.POST.get("suspended") == "on"
    card.save(update_fields=["suspended"])
    messages.success(request, "Card suspended." if card.suspended else "Card back in the queue.")
    return redirect(_back(request, reverse("review_page")))


@login_required
@require_POST
def card_delete(request: HttpRequest, pk: int) -> HttpResponse:
    card = _get_card_for_user(request, pk)
    if card.kind != Kind.QUESTION:
        # A checkpoint's or a lesson's card belongs to its source: suspend it instead.
        return _refused(request, "Only questions you wrote can be deleted; suspend this one.")
    module = card.module
    card.delete()
    messages.success(request, "Question deleted.")
    return redirect(module.get_absolute_url() + "#review")


@login_required
@require_POST
def question_create(request: HttpRequest, slug: str) -> HttpResponse:
    module = _get_module(slug)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "review/question_new.html",
            {"form": form, "module": module},
            status=422,
        )
    cards.question(request.user, module, form.cleaned_data["question"], form.cleaned_data["answer"])
    messages.success(request, "Question added: it joins today's reviews.")
    return redirect(module.get_absolute_url() + "#review")


@login_required
@require_POST
def note_to_card(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Note.objects.select_related("module"), pk=pk, learner=request.user)
    cards.from_note(note)
    messages.success(request, "Note turned into a review card.")
    return redirect(note.module.get_absolute_url() + "#review")


@login_required
@require_POST
def module_pause(request: HttpRequest, slug: str) -> HttpResponse:
    module = _get_module(slug)
    if request.POST.get("paused") == "on":
        PausedModule.objects.get_or_create(learner=request.user, module=module)
        messages.success(request, f"Reviews of “{module.title}” paused.")
    else:
        PausedModule.objects.filter(learner=request.user, module=module).delete()
        messages.success(request, f"Reviews of “{module.title}” back in the queue.")
    return redirect(module.get_absolute_url() + "#review")


def _back(request: HttpRequest, fallback: str) -> str:
    from learners.web.answers import next_url

    return next_url(request, fallback)


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    # Only a tampered request gets here (the page offers valid choices only).
    if request.htmx:
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect("review_page")
