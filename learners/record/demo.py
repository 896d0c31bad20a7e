"""This area's part of the demo learner's history (called by learners/demo.py)."""

from __future__ import annotations


def seed(user, plan, modules, clock, rng) -> None:
    """Add history for the demo `user`: `modules` maps slugs to the plan's modules; `clock.at(day,
    hour, minute)` turns a day offset from the plan's start into an aware datetime; `rng` is a
    seeded random.Random, so the demo is the same on every machine."""
