"""Project-level views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and uptime checks: the process answers. Touches no database, so it
    is also the trivial baseline view the benchmarks compare pages with."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@cache_control(max_age=86_400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico wherever a page names no icon (the admin, a JSON answer):
    send them to the site's SVG icon instead of a 404 in every first load's log."""
    return HttpResponseRedirect(static("img/favicon.svg"))
