"""What every page's frame needs to know about who reads it."""

from __future__ import annotations

from django.http import HttpRequest


def reading(request: HttpRequest) -> dict:
    """`mentoring`: a mentor reading a learner's record (learners/mentors/access.py), or None;
    `readonly`: the page shows no controls that write."""
    return {
        "mentoring": getattr(request, "mentoring", None),
        "readonly": getattr(request, "readonly", False),
    }
