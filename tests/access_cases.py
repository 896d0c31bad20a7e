"""Access cases, shared by tests/test_access.py and each area's own access_*.py module.

An area module (tests/access_record.py, access_experiments.py, access_weekly.py) defines:
- CASES: {url name: Case} for every URL it adds;
- extend_world(world) -> dict: the objects its URLs need, as URL arguments (ids, slugs),
  made for alice (the owner) — world has "alice", "bob", "modules", "plan" (id), …;
- owners_rows(world) -> list: alice's rows of its models, which bob's requests must not change.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

AREAS = (
    "tests.access_record",
    "tests.access_experiments",
    "tests.access_weekly",
    "tests.access_review",
    "tests.access_mentors",
    "tests.access_papers",
)


@dataclass(frozen=True)
class Case:
    # public | object | own | own_or_landing | anonymous_only | token — see test_access.py;
    # "api": token-authenticated endpoints, listed so the URL walk counts them as covered and
    # tried as owner / another learner / no token by the API's own access tests.
    kind: str
    method: str = "GET"
    args: tuple[str, ...] = ()  # world keys whose values fill the URL, in order
    data: tuple = ()  # form data for POST, as pairs; a value "@key" is the world's `key`
    headers: tuple = ()  # extra request headers, as pairs (e.g. for an API)
    status: int = 200  # what a public page answers anyone (a redirect for /favicon.ico)


def areas():
    return [importlib.import_module(name) for name in AREAS]
