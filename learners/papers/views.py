"""The reading ledger and the passes on a paper's module page.

Every write works as a plain form (a redirect back to the entry on the module page) and with
htmx (the entry, or the ledger, swapped in place, with the "owned" count and the chart out of
band: templates/study/_fragments.html). Entries are looked up through `_get_entry_for_user`,
so another learner's entry is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from curriculum.models import Kind, LedgerItem, Module
from learners.experiments.models import Run
from learners.papers import ledger
from learners.papers.forms import EntryForm, MoveForm, PassForm, WordsForm
from learners.papers.models import Entry
from learners.web.answers import Change, respond

# A mentor's review request about a "don't understand yet" entry (sent for help with one click)
# would be a view here beside `entry_move`, asking through learners.mentors.threads.ask with a
# fifth request kind; see docs/architecture.md.


def _get_paper(slug: str) -> Module:
    return get_object_or_404(Module.objects.active().filter(kind=Kind.PAPER), slug=slug)


def _get_entry_for_user(request: HttpRequest, pk: int) -> Entry:
    return get_object_or_404(
        Entry.objects.select_related("module", "run"),
        pk=pk,
        learner=request.user,
        module__retired_at__isnull=True,
    )


def _anchor(entry: Entry) -> str:
    return f"{entry.module.get_absolute_url()}#entry-{entry.pk}"


def _row(module_ledger: ledger.ModuleLedger, entry_id: int) -> ledger.Row | None:
    rows = [*module_ledger.rows, *module_ledger.retired]
    return next((row for row in rows if row.entry.id == entry_id), None)


@login_required
@require_POST
def entry_create(request: HttpRequest, slug: str) -> HttpResponse:
    module = _get_paper(slug)
    form = EntryForm(request.POST, prefix="entry")
    if not form.is_valid():
        if request.htmx:
            return respond(
                request,
                fallback=module.get_absolute_url(),
                main="papers/_add_form.html",
                context={"entry_form": form},
                module=module,
                status=422,
            )
        context = {"form": form, "module": module}
        return render(request, "papers/entry_new.html", context, status=422)
    entry = ledger.add(request.user, module, **form.cleaned_data)
    if not request.htmx:
        messages.success(request, "Entry added to your ledger.")
    return respond(
        request,
        fallback=_anchor(entry),
        main="papers/_ledger.html",
        context={
            "entry_form": EntryForm(prefix="entry"),
            "added": entry,
            "ledger": ledger.for_module(request.user, module),
        },
        module=module,
        changed={Change.LEDGER},
    )


@login_required
@require_POST
def entry_move(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _get_entry_for_user(request, pk)
    module = entry.module
    form = MoveForm(request.POST)
    problem = None
    if not form.is_valid():
        problem = "That move can't be read: reload the page and try again."
    else:
        data = form.cleaned_data
        run = None
        if data["run"]:
            # Only the learner's own runs: another learner's id is "not found", as anywhere.
            run = Run.objects.filter(pk=data["run"], learner=request.user).first()
            if run is None:
                problem = "That run isn't one of yours: choose one of your runs, or none."
        if problem is None:
            try:
                ledger.move(
                    entry,
                    forward=data["direction"] != "back",
                    how=data["how"],
                    run=run if data["how"] == "code" else None,
                    citation=data["citation"],
                )
            except ledger.LedgerRefused as refused:
                problem = str(refused)
    if problem is not None:
        if not request.htmx:
            messages.error(request, problem)
            return redirect(_anchor(entry))
        module_ledger = ledger.for_module(request.user, module)
        context = {
            "row": _row(module_ledger, entry.pk),
            "ledger": module_ledger,
            "problem": problem,
            "citation": form.data.get("citation", "")[:300],
        }
        return respond(
            request,
            fallback=_anchor(entry),
            main="papers/_entry.html",
            context=context,
            module=module,
            status=422,
        )
    module_ledger = ledger.for_module(request.user, module)
    return respond(
        request,
        fallback=_anchor(entry),
        main="papers/_entry.html",
        context={"row": _row(module_ledger, entry.pk), "ledger": module_ledger, "moved": True},
        module=module,
        changed={Change.LEDGER},
    )


@login_required
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _get_entry_for_user(request, pk)
    initial = {"words": entry.words, "kind": entry.kind, "section": entry.section}
    form = WordsForm(request.POST or None, initial=initial, authored=entry.is_authored)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ledger.set_words(entry, data["words"], section=data.get("section"), kind=data.get("kind"))
        messages.success(request, "Entry saved.")
        return redirect(_anchor(entry))
    item = (
        LedgerItem.objects.filter(module=entry.module, key=entry.item_key).first()
        if entry.is_authored
        else None
    )
    return render(
        request,
        "papers/entry_edit.html",
        {"form": form, "entry": entry, "item": item, "module": entry.module},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _get_entry_for_user(request, pk)
    if entry.is_authored:
        # The paper's own items stay in every ledger: their words can be emptied instead.
        messages.error(request, "That item is the paper's own: it stays in your ledger.")
        return redirect(_anchor(entry))
    module = entry.module
    entry.delete()
    messages.success(request, "Entry deleted.")
    return redirect(module.get_absolute_url() + "#ledger")


@login_required
@require_POST
def pass_status(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    module = _get_paper(slug)
    if key not in {spec["key"] for spec in module.reading_passes}:
        return HttpResponse(status=404)
    form = PassForm(request.POST)
    if not form.is_valid():
        message = "A pass is not started, in progress or done."
        if request.htmx:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect(module.get_absolute_url() + "#passes")
    ledger.set_pass(request.user, module, key, form.cleaned_data["status"])
    return respond(
        request,
        fallback=module.get_absolute_url() + "#passes",
        main="papers/_passes.html",
        context={"ledger": ledger.for_module(request.user, module)},
        module=module,
        changed={Change.LEDGER},
    )
