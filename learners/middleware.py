"""Dates and times on every page in the learner's own time zone."""

from __future__ import annotations

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
