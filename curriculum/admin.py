"""Admin: module content is read-only (its file owns it); module lists are curated here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from curriculum.models import Checkpoint, Module, ModuleList, ModuleListItem, Topic


class CheckpointInline(admin.TabularInline):
    model = Checkpoint
    fields = ["position", "key", "text", "retired"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "kind", "hours", "status", "source"]
    list_filter = ["kind", ("retired_at", admin.EmptyFieldListFilter), "topics"]
    search_fields = ["title", "slug", "summary"]
    readonly_fields = [
        "slug", "title", "summary", "kind", "hours", "topic_names", "prerequisite_links",
        "resources", "source", "content_hash", "retired_at", "created_at", "updated_at", "preview",
    ]  # fmt: skip
    fields = readonly_fields
    inlines = [CheckpointInline]

    def has_add_permission(self, request) -> bool:
        return False  # modules come from files: `manage.py load_curriculum`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a retired module is kept for the learners who worked on it

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics", "prerequisites")

    @admin.display(description="Status", ordering="retired_at")
    def status(self, module: Module) -> str:
        return "retired" if module.is_retired else "active"

    @admin.display(description="Topics")
    def topic_names(self, module: Module) -> str:
        return ", ".join(topic.name for topic in module.topics.all()) or "—"

    @admin.display(description="Prerequisites")
    def prerequisite_links(self, module: Module) -> str:
        prerequisites = list(module.prerequisites.all())
        if not prerequisites:
            return "—"
        return format_html(
            ", ".join(['<a href="{}">{}</a>'] * len(prerequisites)),
            *[value for p in prerequisites for value in (p.get_absolute_url(), p.title)],
        )

    @admin.display(description="Preview")
    def preview(self, module: Module) -> str:
        # body_html was sanitized by nh3 when the file was loaded.
        return mark_safe(f'<div class="trajectory-preview">{module.body_html}</div>')  # noqa: S308


class ModuleListItemForm(forms.ModelForm):
    """An item's place counted from 1, as the list's public page numbers it (positions are
    stored from 0). Left empty, a new item goes at the end and an existing one stays."""

    position = forms.IntegerField(
        label="Place",
        min_value=1,
        required=False,
        help_text="1 is first, as the list's page counts; empty: at the end.",
    )

    class Meta:
        model = ModuleListItem
        fields = ["position", "module", "required", "note"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stored_position = self.instance.position if self.instance.pk else None
        if self.instance.pk:
            self.initial["position"] = self.instance.position + 1

    def clean_position(self) -> int | None:
        place = self.cleaned_data["position"]
        return None if place is None else place - 1


class ModuleListItemFormSet(BaseInlineFormSet):
    """The blank rows offer the places after the last item, not 0 (the top of the list), and a
    place left empty means the end."""

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            place = self._after_last() + 1 + index - self.initial_form_count()
            kwargs["initial"] = {**kwargs.get("initial", {}), "position": place}
        return kwargs

    def _after_last(self) -> int:
        """The first free position after the items already saved (0-based)."""
        items = self.get_queryset()  # read once, for the rows above
        return max((item.position for item in items), default=-1) + 1

    def save_new(self, form, commit=True):
        if form.cleaned_data.get("position") is None:
            taken = [f.instance.position for f in self.forms if f.instance.position is not None]
            form.instance.position = max([self._after_last() - 1, *taken]) + 1
        return super().save_new(form, commit=commit)

    def save_existing(self, form, obj, commit=True):
        if obj.position is None:
            obj.position = form.stored_position
        return super().save_existing(form, obj, commit=commit)


class ModuleListItemInline(admin.TabularInline):
    model = ModuleListItem
    form = ModuleListItemForm
    formset = ModuleListItemFormSet
    fields = ["position", "module", "required", "note", "module_status"]
    readonly_fields = ["module_status"]
    autocomplete_fields = ["module"]
    extra = 1
    ordering = ["position", "id"]

    def get_queryset(self, request):
        # Each row shows its module (module_status) and names itself with its list and module.
        return super().get_queryset(request).select_related("module", "module_list")

    @admin.display(description="Module")
    def module_status(self, item: ModuleListItem) -> str:
        if not item.pk:
            return ""
        if item.module.is_retired:
            return format_html("<strong>{}</strong>", "⚠ retired: its file is gone")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">preview</a> · {} h',
            item.module.get_absolute_url(),
            item.module.hours or "?",
        )


@admin.register(ModuleList)
class ModuleListAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "published", "item_count", "retired_items", "updated_at"]
    list_filter = ["published"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleListItemInline]

    class Media:
        # Wide enough for a module's title and the "why", one row per item (static/css/admin.css).
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("items__module")

    @admin.display(description="Modules")
    def item_count(self, module_list: ModuleList) -> int:
        return len(module_list.items.all())

    @admin.display(description="Retired modules")
    def retired_items(self, module_list: ModuleList) -> str:
        retired = [item.module.title for item in module_list.items.all() if item.module.is_retired]
        return ", ".join(retired) if retired else "—"

    def view_on_site(self, module_list: ModuleList) -> str:
        return module_list.get_absolute_url()


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
