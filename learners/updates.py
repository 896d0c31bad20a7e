"""How a write answers: htmx gets the fragments the action changed, a plain form a redirect.

Forms say which page they are on (a hidden `page` field: dashboard or module), so an htmx
answer carries only fragments that page has: the element that was used, plus out-of-band
swaps for the counts, bars and charts that the action moved.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from curriculum.models import Module
from learners.dashboard import build_dashboard
from learners.forms import session_form_for
from learners.models import Timer
from learners.module_panel import build_module_panel


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
    status: int = 200,
) -> HttpResponse:
    """Redirect a plain post; render `main` plus the changed fragments for htmx."""
    if not request.htmx:
        return redirect(next_url(request, fallback))
    page = request.POST.get("page", "")
    context = {
        **(context or {}),
        "main": main,
        "page": page,
        "next_url": next_url(request, fallback),
    }
    if module is not None:
        # The used element names its module whichever page the post says it came from.
        context.setdefault("module", module)
    if page == "dashboard":
        board = build_dashboard(request.user)
        context |= {"board": board, "timer": board.timer}
        context.setdefault("session_form", session_form_for(request.user, board))
    if page == "module" and module is not None:
        module = Module.objects.for_page().get(pk=module.pk)
        panel = build_module_panel(request.user, module)
        context |= {"panel": panel, "module": module, "timer": panel.timer}
        context.setdefault("timer_module", module)
    if "timer" not in context:
        context["timer"] = (
            Timer.objects.filter(learner=request.user).select_related("module").first()
        )
    return render(request, "learners/_updates.html", context, status=status)
