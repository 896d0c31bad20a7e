"""What the dashboard and the module page show from this app.

`for_dashboard` and `for_module` return whatever their templates need (or None to show
nothing); the *_QUERIES constants say how many queries each costs, so the pages' query-count
tests stay exact as this app grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from curriculum.models import Module
from learners.models import Plan, User
from learners.record.failures import capture_choices
from learners.record.forms import CaptureForm
from learners.record.models import Failure

# recent failures, latest lessons, the totals (one aggregate), the capture form's modules (read
# when the form is shown, so an out-of-band answer costs one fewer)
DASHBOARD_QUERIES = 4
# this module's failures
MODULE_QUERIES = 1

RECENT_FAILURES = 5
RECENT_LESSONS = 3
MODULE_FAILURES = 10


@dataclass
class DashboardRecord:
    learner: User
    plan: Plan
    recent: list[Failure]
    lessons: list[Failure]
    total: int
    open: int
    lessons_total: int
    lessons_this_plan: int

    @cached_property
    def capture(self) -> CaptureForm:
        """The quick capture, read only when shown: out-of-band answers leave it be."""
        choices = capture_choices(self.learner, self.plan)
        return capture_form_for(choices.modules, default=choices.default)


@dataclass
class ModuleRecord:
    module: Module
    failures: list[Failure]
    more: bool
    capture: CaptureForm
    common: list[dict] = field(default_factory=list)  # {"index", "title", "detail"}


def for_dashboard(learner: User, plan: Plan | None, today: date) -> DashboardRecord | None:
    if plan is None:
        return None  # the dashboard without a plan shows how to start one, not this section
    mine = Failure.objects.for_learner(learner).select_related("module")
    totals = Failure.objects.for_learner(learner).totals(plan)
    return DashboardRecord(
        learner=learner,
        plan=plan,
        recent=list(mine[:RECENT_FAILURES]),
        lessons=list(mine.with_lessons()[:RECENT_LESSONS]),
        total=totals["total"],
        open=totals["open"],
        lessons_total=totals["lessons"],
        lessons_this_plan=totals["lessons_this_plan"],
    )


def for_module(learner: User, module: Module) -> ModuleRecord:
    failures = list(
        Failure.objects.for_learner(learner).filter(module=module)[: MODULE_FAILURES + 1]
    )
    return ModuleRecord(
        module=module,
        failures=failures[:MODULE_FAILURES],
        more=len(failures) > MODULE_FAILURES,
        capture=capture_form_for([(module.slug, module.title)], default=module.slug),
        common=[
            {"index": index, "title": item.get("title", ""), "detail": item.get("detail", "")}
            for index, item in enumerate(module.common_failures or [])
            if isinstance(item, dict) and item.get("title")
        ],
    )


def capture_form_for(
    modules: list[tuple[str, str]], *, default: str = "", data=None, initial=None
) -> CaptureForm:
    return CaptureForm(data, modules=modules, initial={"module": default, **(initial or {})})
