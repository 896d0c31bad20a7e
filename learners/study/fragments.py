"""What the module page's out-of-band fragments need after a write (see learners/web/answers.py)."""

from __future__ import annotations

from django.http import HttpRequest

from curriculum.models import Module
from learners.study.panel import build_module_panel


def build(request: HttpRequest, module: Module | None, context: dict) -> dict:
    if module is None:  # a write that names no module leaves the module page's fragments be
        return {}
    module = Module.objects.for_page().get(pk=module.pk)
    panel = build_module_panel(request.user, module)
    extra = {"panel": panel, "module": module, "timer": panel.timer}
    if "timer_module" not in context:
        extra["timer_module"] = module
    return extra
