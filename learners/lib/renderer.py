"""A form renderer that writes Django's commonest widget templates in Python.

Django renders every widget, label, error list and `<option>` through a template: a module
`<select>` of 40 options costs 40 template renders, a few milliseconds a page (profiled on the
dashboard: 15% of its time). This renderer produces the same bytes for the templates below and
hands every other template (admin widgets, radio and checkbox groups, whole-form layouts) to
Django's templates as usual. `tests/test_form_renderer.py` renders every field of every form of
the project both ways and compares them, so the two can't drift apart.

Set as `FORM_RENDERER` in config/settings.py.
"""

from __future__ import annotations

from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, SafeString, mark_safe

# What `{{ value }}` does in a template with autoescape on: localize, then escape unless safe.
_CONTEXT = Context(autoescape=True)


def _text(value) -> str:
    return render_value_in_context(value, _CONTEXT)


def _as_s(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe input safe."""
    out = f"{value}"
    # Safe in, safe out, as the filter's is_safe=True says; anything else is escaped.
    return _text(mark_safe(out) if isinstance(value, SafeData) else out)  # noqa: S308


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html and django/forms/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_as_s(value)}"')
    return "".join(parts)


def _input(context: dict) -> str:
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{_as_s(widget["value"])}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _textarea(context: dict) -> str:
    widget = context["widget"]
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option: dict) -> str:
    return (
        f'<option value="{_as_s(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>"
    )


def _select(context: dict) -> str:
    widget = context["widget"]
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                raise _Fallback
            # Django includes select_option.html, whose file ends in a newline.
            out.append(f"\n  {_option(option)}\n")
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _label(context: dict) -> str:
    label = _text(context["label"])
    if not context["use_tag"]:
        return label
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>"


def _error_list(context: dict) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_attr = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{id_attr}>{items}</ul>'


class _Fallback(Exception):
    """This context needs the real template after all (an option with its own template)."""


# Every widget template that is only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = (
    "input",
    "text",
    "number",
    "email",
    "password",
    "hidden",
    "date",
    "datetime",
    "time",
    "url",
    "search",
    "tel",
    "color",
    "checkbox",
)
WRITERS: dict[str, Callable[[dict], str]] = {
    **{f"django/forms/widgets/{name}.html": _input for name in INPUTS},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _error_list,
    "django/forms/errors/list/ul.html": _error_list,
}


class FastRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        writer = WRITERS.get(template_name)
        if writer is not None:
            try:
                return SafeString(writer(context).strip())
            except _Fallback:
                pass
        return super().render(template_name, context, request)
