"""Project-level views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and uptime checks: the process answers. Touches no database, so it
    is also the trivial baseline view the benchmarks compare pages with."""
    return HttpResponse("ok", content_type="text/plain")
