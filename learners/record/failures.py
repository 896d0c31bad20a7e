"""The failure log's logic: recording a failure, reading the log with its filters and counts,
and the module choices of the quick capture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from curriculum.models import Module, slug_param
from learners.lib.submissions import save_once
from learners.models import ModuleProgress, Plan, Status, User
from learners.record.models import Category, Failure


def record_failure(
    learner: User,
    module: Module,
    *,
    today: date | None = None,
    submission_key: str | None = None,
    **fields,
) -> Failure:
    """A new failure on `module`, tied to the learner's active plan ("lessons this plan").

    A repeated post of the same form (same `submission_key`) returns the first failure.
    """
    fields.setdefault("happened_on", today or learner.local_today())
    plan = Plan.objects.for_learner(learner).active().only("id").first()
    failure = Failure(learner=learner, module=module, plan=plan, **fields)
    return save_once(failure, submission_key)[0]


def common_failure(module: Module, index: str | int | None) -> dict[str, str] | None:
    """The module's "Common failures" item number `index`, or None for anything else."""
    try:
        position = int(index)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    items = module.common_failures or []
    if not 0 <= position < len(items) or not isinstance(items[position], dict):
        return None
    item = items[position]
    return {"title": str(item.get("title", ""))[:200], "detail": str(item.get("detail", ""))}


@dataclass(frozen=True)
class CaptureChoices:
    modules: list[tuple[str, str]]  # (slug, title) in plan order
    default: str  # the slug the select starts on


def capture_choices(learner: User, plan: Plan | None) -> CaptureChoices:
    """The plan's modules in order, starting on the module the learner is most likely in: the
    first in progress, else the first not finished. One query."""
    if plan is None:
        return CaptureChoices(modules=[], default="")
    status = ModuleProgress.objects.filter(learner=learner, module=OuterRef("pk")).values("status")
    rows = list(
        Module.objects.filter(plan_items__plan=plan, retired_at__isnull=True)
        .annotate(status=Subquery(status[:1]))
        .order_by("plan_items__position")
        .values_list("slug", "title", "status")
    )
    default = next((slug for slug, _, s in rows if s == Status.IN_PROGRESS), "")
    if not default:
        finished = {Status.DONE, Status.SKIPPED}
        default = next((slug for slug, _, s in rows if s not in finished), "")
    return CaptureChoices(modules=[(slug, title) for slug, title, _ in rows], default=default)


# --- the log -------------------------------------------------------------------------------

RESOLVED_CHOICES = [("", "Open and resolved"), ("no", "Open"), ("yes", "Resolved")]


@dataclass(frozen=True)
class LogFilters:
    category: str = ""
    module: str = ""
    resolved: str = ""  # "", "yes" or "no"

    @classmethod
    def from_query(cls, query) -> LogFilters:
        """Unknown values are ignored, never an error: a hand-edited URL still shows a page."""
        category = query.get("category", "")
        resolved = query.get("resolved", "")
        return cls(
            category=category if category in Category.values else "",
            module=slug_param(query.get("module"))[:120],
            resolved=resolved if resolved in {"yes", "no"} else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.category or self.module or self.resolved)

    def apply(self, failures: QuerySet, *, category: bool = True) -> QuerySet:
        if category and self.category:
            failures = failures.filter(category=self.category)
        if self.module:
            failures = failures.filter(module__slug=self.module)
        if self.resolved:
            failures = failures.filter(resolved=self.resolved == "yes")
        return failures

    def query(self, **changes) -> str:
        """The filters as a query string, with `changes` applied (for the category links)."""
        from urllib.parse import urlencode

        values = {"category": self.category, "module": self.module, "resolved": self.resolved}
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value})


@dataclass
class CategoryCount:
    value: str
    label: str
    count: int
    selected: bool
    query: str  # the log's query string that selects this category (or clears it when selected)


def category_counts(learner: User, filters: LogFilters) -> list[CategoryCount]:
    """Failures per category under the other filters (what each category link would show)."""
    counts = filters.apply(Failure.objects.for_learner(learner), category=False).category_counts()
    return [
        CategoryCount(
            value,
            label,
            counts.get(value, 0),
            selected=filters.category == value,
            query=filters.query(category="" if filters.category == value else value),
        )
        for value, label in Category.choices
    ]


def logged_modules(learner: User) -> QuerySet:
    """The modules the learner has failures in, for the module filter."""
    return (
        Module.objects.filter(pk__in=Failure.objects.for_learner(learner).values("module"))
        .order_by("title")
        .only("id", "slug", "title")
    )
