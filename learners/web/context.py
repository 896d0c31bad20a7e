"""What every page's frame needs to know about who reads it."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse


def reading(request: HttpRequest) -> dict:
    """`mentoring`: a mentor reading a learner's record (learners/mentors/access.py), or None;
    `readonly`: the page shows no controls that write."""
    return {
        "mentoring": getattr(request, "mentoring", None),
        "readonly": getattr(request, "readonly", False),
        # The nav's count of what's new from mentors or learners (learners/mentors/).
        "unread_url": reverse("unread"),
    }
