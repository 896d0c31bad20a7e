"""Idempotent form posts: a double click, two tabs or a resubmitted form record one row.

Each form that creates a row carries a random `submission` key, made when the form is shown.
The row stores it under a unique constraint per learner, so the second post of the same form
finds the first row instead of making another.
"""

from __future__ import annotations

import re
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest

FIELD = "submission"
_KEY = re.compile(r"^[0-9a-f]{32}$")


def new_key() -> str:
    return uuid.uuid4().hex


def key_from(request: HttpRequest) -> str | None:
    """The posted key, or None when missing or malformed (then the post is simply not deduped)."""
    value = request.POST.get(FIELD, "").strip().lower()
    return value if _KEY.match(value) else None


def save_once(row: Model, key: str | None) -> tuple[Model, bool]:
    """Save a new `row` (with `learner` set) under `key`; (the row kept, whether it is new)."""
    if key is None:
        row.save()
        return row, True
    row.submission_key = key
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        existing = type(row).objects.filter(learner=row.learner, submission_key=key).first()
        if existing is None:
            raise  # another constraint failed: not a duplicate post
        return existing, False
    return row, True
