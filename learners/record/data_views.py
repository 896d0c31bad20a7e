"""“Your data”: download everything (JSON and a Markdown journal), import an export into an
empty account, and delete the account."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from learners.accounts import throttle
from learners.mentors import relationship
from learners.record import export, importer
from learners.record.account import delete_account
from learners.record.forms import DeleteAccountForm, ImportForm
from learners.record.journal import journal

IMPORT_ERROR = "record_import_error"


@login_required
@never_cache
def your_data(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _page(request: HttpRequest, *, delete_form=None, status: int = 200) -> HttpResponse:
    # A refused import redirected here with its reason, to show once at the file field.
    import_error = request.session.pop(IMPORT_ERROR, None)
    counts = []
    for model in export.exported_models():
        count = export.rows_of(request.user, model).count()
        counts.append((export.kind_name(model, count), count))
    context = {
        "counts": [(name, count) for name, count in counts if count],
        "has_data": importer.has_data(request.user),
        "import_form": ImportForm(),
        "import_error": import_error,
        "delete_form": delete_form or DeleteAccountForm(user=request.user),
        "max_import_mb": importer.MAX_IMPORT_BYTES // 1_048_576,
        # Other people's part in it: mentors, learners mentored, comments written for them.
        "ended": relationship.ended_by_deletion(request.user),
        "version": export.VERSION,
    }
    return render(request, "record/your_data.html", context, status=status)


def _download(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@never_cache
def export_json(request: HttpRequest) -> HttpResponse:
    document = export.export_document(request.user)
    body = json.dumps(document, ensure_ascii=False, indent=1)
    filename = f"trajectory-export-{request.user.local_today():%Y-%m-%d}.json"
    return _download(body, "application/json; charset=utf-8", filename)


@login_required
@never_cache
def export_journal(request: HttpRequest) -> HttpResponse:
    filename = f"trajectory-journal-{request.user.local_today():%Y-%m-%d}.md"
    return _download(journal(request.user), "text/markdown; charset=utf-8", filename)


@login_required
@require_POST
def import_json(request: HttpRequest) -> HttpResponse:
    """Read an export into this (empty) account. A refused file comes back to the page with
    the reason at the file field, by redirect: a file input can't be filled in again anyway,
    and a reload must not upload the file a second time."""
    form = ImportForm(request.POST, request.FILES)
    back = reverse("your_data") + "#import"
    if not form.is_valid():
        request.session[IMPORT_ERROR] = " ".join(form.errors["file"])
        return redirect(back)
    try:
        document = importer.read_upload(form.cleaned_data["file"])
        result = importer.import_document(request.user, document)
    except importer.ImportRefused as refusal:
        request.session[IMPORT_ERROR] = f"{refusal} Nothing was imported."
        return redirect(back)
    summary = ", ".join(f"{count} {name}" for name, count in result.counts.most_common())
    messages.success(
        request,
        f"Imported {result.total} rows: {summary}." if result.total else "Imported your settings.",
    )
    for note in result.notes:
        messages.info(request, note)
    return redirect("dashboard")


@login_required
@require_POST
@sensitive_post_parameters("password")
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(
        request.POST,
        user=request.user,
        address=throttle.client_address(request),
        device=throttle.device_for(request, request.user.email),
    )
    if not form.is_valid():
        return _page(request, delete_form=form, status=422)
    email = request.user.email
    counts = delete_account(request.user)
    logout(request)
    total = sum(counts.values())
    kinds = ", ".join(f"{count} {name}" for name, count in counts.most_common())
    messages.success(
        request,
        f"The account {email} is deleted, with everything it held"
        + (f": {total} rows ({kinds})." if total else ".")
        + " Thank you for learning here.",
    )
    return redirect("dashboard")
