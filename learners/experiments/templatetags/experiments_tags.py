"""Template filters for run pages."""

from __future__ import annotations

from django import template

from learners.experiments.compare import format_number

register = template.Library()


@register.filter
def metric(value) -> str:
    """A metric value at four significant digits: 112.4, 0.0213, 12,345."""
    return format_number(None if value is None or value == "" else float(value))
