"""Error pages that help: what went wrong, and where to go next."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


class NotFound(Http404):
    """A 404 whose message is written for the visitor, with optional suggestions.

    Plain Http404 messages ("No Module matches the given query.") are for developers and are
    never shown; this one is.
    """

    def __init__(self, message: str, suggestions: list | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions or []


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = {
        "message": getattr(exception, "message", ""),
        "suggestions": getattr(exception, "suggestions", []),
    }
    return render(request, "404.html", context, status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "400.html", status=400)
