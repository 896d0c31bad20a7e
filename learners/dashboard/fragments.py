"""What the dashboard's out-of-band fragments need after a write (see learners/web/answers.py).

The board is lazy: templates/dashboard/_fragments.html touches only the parts the write
changed, so only those are read.
"""

from __future__ import annotations

from django.http import HttpRequest

from curriculum.models import Module
from learners.dashboard.board import build_dashboard


def build(request: HttpRequest, module: Module | None, context: dict) -> dict:
    board = build_dashboard(request.user, module=module)
    extra = {"board": board}
    if "timer" not in context and "timer" in context["changed"]:
        extra["timer"] = board.timer
    return extra
