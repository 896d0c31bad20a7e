"""Per-request behaviour for learners: their own time zone on every page, and htmx requests
that outlive the session."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone


class LearnerTimeZoneMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.tz)
        else:
            timezone.deactivate()
        return self.get_response(request)


class HtmxLoginRequiredMiddleware:
    """An htmx request from someone whose session has ended gets 401, not the login page.

    `login_required` answers with a redirect to the login page; the browser follows it and
    htmx would swap that whole page into the fragment it was updating. Instead the answer is
    401 with the login URL in `Trajectory-Login` (coming back to the page they were on), and
    static/js/app.js says so at the top of the page, where the form still holds what they typed.
    """

    HEADER = "Trajectory-Login"

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (request.htmx and response.status_code == 302):
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login or request.user.is_authenticated:
            return response
        back = request.htmx.current_url_abs_path or "/"
        refused = HttpResponse(
            "Your session has ended: log in again.",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        refused[self.HEADER] = f"{login}?{urlencode({REDIRECT_FIELD_NAME: back})}"
        return refused
