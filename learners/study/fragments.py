"""What the module page's out-of-band fragments need after a write (see learners/web/answers.py).

The panel is lazy: templates/study/_fragments.html touches only the parts the write changed,
so only those are read.
"""

from __future__ import annotations

from django.http import HttpRequest

from curriculum.models import Module
from learners.study.panel import build_module_panel


def build(request: HttpRequest, module: Module | None, context: dict) -> dict:
    if module is None:  # a write that names no module leaves the module page's fragments be
        return {}
    panel = build_module_panel(request.user, module)
    if context.get("ledger") is not None:
        panel.ledger = context["ledger"]  # read by the write's view already: not twice
    extra = {"panel": panel, "module": module}
    if "timer_module" not in context:
        extra["timer_module"] = module
    if "timer" not in context and "timer" in context["changed"]:
        extra["timer"] = panel.timer
    return extra
