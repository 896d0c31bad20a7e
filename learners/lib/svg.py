"""Pieces every server-drawn SVG chart shares (the dashboard's and the experiments')."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import format_html_join
from django.utils.safestring import SafeString


def join_svg(parts: Iterable[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def coord(value: float) -> str:
    """A coordinate: one decimal at most, no trailing zero, never '-0'."""
    rounded = round(value, 1)
    return f"{rounded + 0.0:g}"
