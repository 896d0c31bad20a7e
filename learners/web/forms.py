"""Form pieces every learner form shares: date inputs, plain labels, the rule for a past day."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_day(day: date, today: date) -> date:
    """A day something happened: not after tomorrow (the learner's clock may run ahead of
    the server's idea of today), not before 2000."""
    if day > today + timedelta(days=1):
        raise ValidationError("That day hasn't happened yet.")
    if day < date(2000, 1, 1):
        raise ValidationError("That day is too far in the past.")
    return day


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None) -> None:
        # A date input's value is ISO (yyyy-mm-dd) whatever the site's language: the British
        # date format Django would otherwise use here (25/10/2006) is no value for it.
        super().__init__(attrs, format=format or "%Y-%m-%d")

    def format_value(self, value):
        # A date input's value is a yyyy-mm-dd date or nothing (HTML says so, and browsers
        # drop anything else): an unparsable submission is shown empty beside its error.
        if isinstance(value, str) and not _is_iso_date(value):
            return None
        return super().format_value(value)


def _is_iso_date(text: str) -> bool:
    if not ISO_DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return False
    return True


class PlainLabels:
    """Labels without Django's trailing colon, like the rest of the site's forms."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
