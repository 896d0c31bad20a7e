"""What the dashboard's out-of-band fragments need after a write (see learners/web/answers.py)."""

from __future__ import annotations

from django.http import HttpRequest

from curriculum.models import Module
from learners.dashboard.board import build_dashboard
from learners.study.forms import session_form_for


def build(request: HttpRequest, module: Module | None, context: dict) -> dict:
    board = build_dashboard(request.user)
    extra = {"board": board, "timer": board.timer}
    if "session_form" not in context:  # a quick log sent back with its errors keeps them
        extra["session_form"] = session_form_for(request.user, board.today)
    return extra
