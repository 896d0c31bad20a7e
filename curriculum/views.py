"""Public, read-only pages of the catalogue: modules and the curated lists."""

from __future__ import annotations

import difflib

from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from config.errors import NotFound
from curriculum.models import Kind, Module, ModuleList, ModuleListItem, Topic, slug_param


@vary_on_headers("HX-Request")
def catalogue(request: HttpRequest) -> HttpResponse:
    """All active modules, filtered by topic and kind and searched by title and summary."""
    topic = slug_param(request.GET.get("topic"))
    kind = request.GET.get("kind", "")
    # PostgreSQL refuses NUL in a query, and nobody searches for one.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    modules = Module.objects.for_catalogue()
    if topic:
        modules = modules.filter(topics__slug=topic)
    if kind in Kind.values:
        modules = modules.filter(kind=kind)
    if query:
        modules = modules.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    context = {
        "modules": modules,
        "topics": Topic.objects.filter(modules__retired_at__isnull=True).distinct(),
        "kinds": Kind.choices,
        "selected": {"topic": topic, "kind": kind, "q": query},
        "filtered": bool(topic or kind or query),
    }
    template = "curriculum/catalogue.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


def list_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A published list in order, with its total hours and prerequisite-order warnings."""
    lists = ModuleList.objects.all() if request.user.is_staff else ModuleList.objects.published()
    module_list = get_object_or_404(
        lists.prefetch_related(
            Prefetch(
                "items",
                queryset=ModuleListItem.objects.select_related("module").prefetch_related(
                    Prefetch(
                        "module__prerequisites", queryset=Module.objects.only("id", "slug", "title")
                    )
                ),
            )
        ),
        slug=slug,
    )
    items = list(module_list.items.all())
    return render(
        request,
        "curriculum/list_detail.html",
        {"module_list": module_list, "items": annotate_order(items), **list_totals(items)},
    )


def annotate_order(items: list[ModuleListItem]) -> list[ModuleListItem]:
    """Mark each item with the prerequisites that come after it in the list."""
    position = {item.module_id: index for index, item in enumerate(items)}
    for index, item in enumerate(items):
        prerequisites = list(item.module.prerequisites.all())
        item.later_prerequisites = [
            prerequisite
            for prerequisite in prerequisites
            if position.get(prerequisite.id, -1) > index
        ]
    return items


def list_totals(items: list[ModuleListItem]) -> dict:
    hours = sum((item.module.hours or 0) for item in items)
    required = sum((item.module.hours or 0) for item in items if item.required)
    return {"total_hours": hours, "required_hours": required}


def module_for_page(slug: str) -> Module:
    """The module page's module, or a 404 that suggests similar slugs or says it was retired.

    Its topics, prerequisites and checkpoints are read when the page shows them (one query
    each), so a page whose sections are cached reads only the module.
    """
    module = Module.objects.filter(slug=slug).first()
    if module is None:
        raise NotFound(f"There is no module called “{slug}”.", suggestions=similar_modules(slug))
    if module.is_retired:
        raise NotFound(
            f"“{module.title}” has been retired from the catalogue. "
            "If it is in your plan, your record of it is still there."
        )
    return module


def similar_modules(slug: str) -> list[Module]:
    """Up to three active modules whose slugs look like the one asked for."""
    slugs = list(Module.objects.active().values_list("slug", flat=True))
    close = difflib.get_close_matches(slug, slugs, n=3, cutoff=0.5)
    found = {module.slug: module for module in Module.objects.filter(slug__in=close)}
    return [found[match] for match in close if match in found]
