"""How a write answers: htmx gets the fragments the action changed, a plain form a redirect.

Forms say which page they are on (a hidden `page` field: "dashboard" or "module"), and each
write says what it changed (`Change`), so an htmx answer carries only fragments that page has
and the write can have moved: the element that was used, plus out-of-band swaps for the counts,
bars and charts that depend on what changed. A page's parts are read lazily, so an answer also
reads only what its fragments show: a note saved on a module page reads the notes, not the
plan, the hours or the charts.

This module sits below every page and every write: the pages *register* what their fragments
need (`register_page`, called from `LearnersConfig.ready()`), and the writes — in study/,
record/, experiments/ — call `respond()` without knowing which pages exist. So imports run one
way: a write never imports the dashboard to answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from curriculum.models import Module


class Change(StrEnum):
    """What a write can move. Each page's fragments template shows what depends on each."""

    PROGRESS = "progress"  # a module's status, ticks or confidence
    HOURS = "hours"  # study sessions
    NOTES = "notes"
    RECORD = "record"  # failures and their lessons
    TIMER = "timer"
    LEDGER = "ledger"  # a paper's reading ledger and passes (learners/papers/)


# A page's builder gets the request, the module the write was about (or None) and the context
# so far, and returns what its fragments template needs.
Builder = Callable[[HttpRequest, Module | None, dict], dict]


@dataclass(frozen=True)
class Page:
    template: str  # the page's out-of-band fragments
    build: Builder


PAGES: dict[str, Page] = {}


def register_page(name: str, *, template: str, build: Builder) -> None:
    PAGES[name] = Page(template=template, build=build)


def next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() would read anything else without a slash as a URL
    # pattern's name (a 500 on "abc"), and a full URL has no business here.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def respond(
    request: HttpRequest,
    *,
    fallback: str,
    main: str | None = None,
    context: dict | None = None,
    module: Module | None = None,
    changed: Iterable[Change] = (),
    status: int = 200,
) -> HttpResponse:
    """Redirect a plain post; render `main` plus the fragments `changed` moved, for htmx."""
    if not request.htmx:
        return redirect(next_url(request, fallback))
    name = request.POST.get("page", "")
    context = {
        **(context or {}),
        "main": main,
        "page": name,
        "next_url": next_url(request, fallback),
        "changed": {str(change) for change in changed},
    }
    if module is not None:
        # The used element names its module whichever page the post says it came from.
        context.setdefault("module", module)
    page = PAGES.get(name)
    if page is not None:
        context |= page.build(request, module, context)
        context["page_template"] = page.template
    return render(request, "web/_answer.html", context, status=status)
