"""What the dashboard and the module page show from this app.

`for_dashboard` and `for_module` return whatever their templates need (or None to show
nothing); the *_QUERIES constants say how many queries each costs, so the pages' query-count
tests stay exact as this app grows.
"""

from __future__ import annotations

DASHBOARD_QUERIES = 0
MODULE_QUERIES = 0


def for_dashboard(learner, plan, today):
    return None


def for_module(learner, module):
    return None
