"""The "shared with mentors" mark on a note, failure or run: one click, set (not flipped), so a
form sent twice leaves it as the learner last saw it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from learners.experiments.models import Run
from learners.lib.ids import parse_id
from learners.models import Note
from learners.record.models import Failure
from learners.web.answers import next_url

KINDS = {"note": Note, "failure": Failure, "run": Run}


def _share(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = KINDS[kind]
    row = get_object_or_404(model.objects, pk=parse_id(str(pk)), learner=request.user)
    value = request.POST.get("shared")
    if value not in {"on", "off"}:
        return HttpResponse("Say shared=on or shared=off.", status=400, content_type="text/plain")
    row.shared_with_mentors = value == "on"
    row.save(update_fields=["shared_with_mentors"])
    if request.htmx:
        return render(request, "mentors/_share.html", {"row": row, "share_url": f"{kind}_share"})
    return redirect(next_url(request, "dashboard"))


def _view(kind: str):
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _share(request, kind, pk)

    view.__name__ = f"{kind}_share"
    return view


note_share, failure_share, run_share = (_view(kind) for kind in ("note", "failure", "run"))
