"""Links that leave the page they were made on (emails, API answers) are built from SITE_URL,
never from a request's Host header, which the client writes."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (starting with /) on this site. SITE_URL is normalized without a trailing slash."""
    return f"{settings.SITE_URL}{path}"
