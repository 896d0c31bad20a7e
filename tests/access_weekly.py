"""Access cases for this area's URLs (see tests/access_cases.py)."""

from __future__ import annotations

from tests.access_cases import Case  # noqa: F401

CASES: dict = {}


def extend_world(world) -> dict:
    return {}


def owners_rows(world) -> list:
    return []
