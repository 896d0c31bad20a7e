"""What is taught: modules loaded from markdown files, and the lists (tracks) admins curate.

Module content belongs to its file; `load_curriculum` is the only writer. A module whose file
disappears is retired, never deleted, so a learner's history keeps pointing at something.
"""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.functional import cached_property

SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def slug_param(value: str | None) -> str:
    """A slug taken from a request (`?module=`, a posted `list`), or "" when the value can't be
    one. Filtering on "" finds nothing, as any other unknown slug would; but a raw value may
    hold a NUL byte, which PostgreSQL refuses in a query (a 500 instead of "not found")."""
    return value if value and SLUG.fullmatch(value) else ""


class Kind(models.TextChoices):
    BUILD = "build", "Build"
    THEORY = "theory", "Theory"
    PAPER = "paper", "Paper"
    PRACTICE = "practice", "Practice"


class Topic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ModuleQuerySet(models.QuerySet):
    def active(self) -> ModuleQuerySet:
        return self.filter(retired_at__isnull=True)

    def for_catalogue(self) -> ModuleQuerySet:
        # One query for the modules, one for all their topics.
        return self.active().prefetch_related("topics").order_by("title")

    def for_page(self) -> ModuleQuerySet:
        # modules, topics, prerequisites, active checkpoints: four queries whatever the size.
        return self.prefetch_related(
            "topics",
            Prefetch("prerequisites", queryset=Module.objects.order_by("title")),
            Prefetch("checkpoints", queryset=Checkpoint.objects.active()),
        )


class Module(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True)
    hours = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    topics = models.ManyToManyField(Topic, related_name="modules", blank=True)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, related_name="unlocks", blank=True
    )
    # [{"title": …, "url": …, "kind": …}], in the file's order.
    resources = models.JSONField(default=list, blank=True)
    # A paper's reading passes, [{"key": …, "name": …}] from the front matter's `passes:`;
    # empty means the default three (`reading_passes`).
    # db_default: a row written by code that predates the field (an older migration state) is
    # still valid.
    passes = models.JSONField(default=list, db_default=[], blank=True)
    # Lines of the body's "Common failures" section, offered as failure-log starting points.
    common_failures = models.JSONField(default=list, blank=True)
    body_html = models.TextField(blank=True)  # rendered and sanitized at load time
    source = models.CharField(max_length=500)  # file path, relative to the project when inside it
    content_hash = models.CharField(max_length=64)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("module_detail", args=[self.slug])

    @cached_property
    def active_checkpoints(self) -> list[Checkpoint]:
        """Checkpoints in order, without the retired: prefetched by for_page(), else one query."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "checkpoints" in cache:  # for_page() prefetched exactly these
            return list(self.checkpoints.all())
        return list(self.checkpoints.active())

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def is_paper(self) -> bool:
        return self.kind == Kind.PAPER

    @property
    def reading_passes(self) -> list[dict[str, str]]:
        """The passes a paper is read in: the file's own, or skim, read, re-derive."""
        if not self.is_paper:
            return []
        return self.passes or DEFAULT_PASSES


DEFAULT_PASSES = [
    {"key": "skim", "name": "Skim"},
    {"key": "read", "name": "Read"},
    {"key": "re-derive", "name": "Re-derive"},
]


class CheckpointQuerySet(models.QuerySet):
    def active(self) -> CheckpointQuerySet:
        return self.filter(retired=False).order_by("position")


class Checkpoint(models.Model):
    """One `- [ ]` task-list item of a module body.

    `key` is stable across edits of other lines (see docs/curriculum-format.md), so a
    learner's ticks survive reloads. A checkpoint removed from its file is retired, not
    deleted, for the same reason.
    """

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="checkpoints")
    key = models.SlugField(max_length=80)
    text = models.CharField(max_length=500)  # markdown as written in the file
    html = models.TextField(blank=True)  # the text rendered inline and sanitized
    position = models.PositiveIntegerField()
    retired = models.BooleanField(default=False)
    # `{requires=ledger}`: it can be ticked only once the learner owns the whole reading ledger.
    requires_ledger = models.BooleanField(default=False, db_default=False)

    objects = CheckpointQuerySet.as_manager()

    class Meta:
        ordering = ["module", "position"]
        constraints = [
            models.UniqueConstraint(fields=["module", "key"], name="checkpoint_key_unique"),
        ]

    def __str__(self) -> str:
        return self.text


class LedgerKind(models.TextChoices):
    CLAIM = "claim", "Claim"
    EQUATION = "equation", "Equation"
    FIGURE = "figure", "Figure or table"
    SYMBOL = "symbol", "Symbol"


class LedgerItemQuerySet(models.QuerySet):
    def active(self) -> LedgerItemQuerySet:
        return self.filter(retired_at__isnull=True).order_by("position")


class LedgerItem(models.Model):
    """One line of a paper module's `## Reading ledger` section: a starting point of every
    learner's ledger. Keyed like checkpoints (stable across edits of other lines); an item
    removed from its file is retired, never deleted, so learners' entries keep their source."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="ledger_items")
    key = models.SlugField(max_length=80)
    kind = models.CharField(max_length=12, choices=LedgerKind.choices)
    section = models.CharField(max_length=40)  # "§3.2", "Table 3", "Eq. 1"
    text = models.CharField(max_length=500)  # markdown as written in the file
    html = models.TextField(blank=True)  # rendered inline and sanitized at load time
    position = models.PositiveIntegerField()
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = LedgerItemQuerySet.as_manager()

    class Meta:
        ordering = ["module", "position"]
        constraints = [
            models.UniqueConstraint(fields=["module", "key"], name="ledger_item_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.section}: {self.text}"


class ModuleListQuerySet(models.QuerySet):
    def published(self) -> ModuleListQuerySet:
        return self.filter(published=True)

    def to_choose_from(self) -> ModuleListQuerySet:
        """Published lists with their module count and total hours, for a learner picking one."""
        return (
            self.published()
            .annotate(module_count=models.Count("items"), hours=models.Sum("items__module__hours"))
            .order_by("title")
        )


class ModuleList(models.Model):
    """A curated track: an ordered selection of modules. Owned by admins, never by the loader."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModuleListQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("list_detail", args=[self.slug])


class ModuleListItem(models.Model):
    module_list = models.ForeignKey(ModuleList, on_delete=models.CASCADE, related_name="items")
    # PROTECT: modules are retired rather than deleted; a list must never lose an item silently.
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="list_items")
    position = models.PositiveIntegerField(default=0)
    note = models.CharField("why this module", max_length=300, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["module_list", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["module_list", "module"], name="module_list_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module_list}: {self.module}"
