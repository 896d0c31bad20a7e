"""The module's text as its page shows it, from the HTML the loader stored.

Three changes, made here rather than at load time because they depend on the page (the title is
already its H1) or on the learner (their ticks), and the renderer's output is shared:

- the body's first heading is dropped when it repeats the module's title, the page's H1;
- each heading's "#" permalink gets a name a screen reader can say ("Link to “Steps”");
- the body's task list (the checkpoints as the author wrote them, rendered as disabled boxes)
  shows no boxes of its own: for a learner each item carries a mark with their tick, the same
  truth as the Checkpoints list where they tick (swapped along with it after every tick); for
  a visitor the items are a plain list.

The marks follow the checkpoints in order: the loader makes one checkpoint per task item, in
the body's order. If the counts ever differ (an item the loader did not count), the items stay
unmarked rather than risk showing a tick against the wrong line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape

from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe

from curriculum.models import Checkpoint

# The shapes curriculum/rendering.py writes (sanitized, so attribute order is fixed).
_TASK_BOX = re.compile(
    r'<li class="task-list-item">(<p>)?<input type="checkbox" disabled( checked)? '
    r'aria-label="checkpoint"> '
)
_FIRST_H1 = re.compile(r"\A\s*<h1\b[^>]*>(.*?)</h1>\s*", re.DOTALL)
_ANCHOR = re.compile(r'<a class="anchor" href="#([^"]+)" title="Link to this section"')
_HEADING = re.compile(r"<(h[1-6]) id=\"([^\"]+)\">(.*?)</\1>", re.DOTALL)
_PERMALINK_TEXT = re.compile(r'<a class="anchor"[^>]*>#</a>')


def task_count(body_html: str) -> int:
    return len(_TASK_BOX.findall(body_html))


def marks_fit(body_html: str, checkpoints: Sequence[Checkpoint]) -> bool:
    """Whether the body's task items are the module's checkpoints, one for one."""
    return bool(checkpoints) and task_count(body_html) == len(checkpoints)


def mark(checkpoint: Checkpoint, ticked: bool, *, oob: bool = False) -> str:
    """One task item's mark: ticked or not yet, in words for a screen reader."""
    return format_html(
        '<span class="task-mark {}" id="lesson-mark-{}"{}><span class="visually-hidden">{}</span></span>',
        "is-ticked" if ticked else "is-open",
        checkpoint.id,
        mark_safe(' data-hx-swap-oob="true"') if oob else "",
        "Ticked: " if ticked else "Not ticked yet: ",
    )


def lesson_html(
    body_html: str, title: str, ticks: Sequence[tuple[Checkpoint, bool]] | None = None
) -> str:
    """The body to show: see the module docstring. `ticks` is the learner's (checkpoint,
    ticked) in order, or None for a visitor."""
    html = _drop_repeated_title(body_html, title)
    html = _name_permalinks(html)
    marks = iter(ticks) if ticks is not None and marks_fit(html, [c for c, _ in ticks]) else None

    def replace(match: re.Match) -> str:
        opening = match.group(1) or ""
        if marks is None:
            return f'<li class="task-item">{opening}'
        checkpoint, ticked = next(marks)
        return f'<li class="task-item has-mark">{opening}{mark(checkpoint, ticked)} '

    return _TASK_BOX.sub(replace, html)


def _drop_repeated_title(html: str, title: str) -> str:
    first = _FIRST_H1.match(html)
    if first and _words(_PERMALINK_TEXT.sub("", first.group(1))) == _words(title):
        return html[first.end() :]
    return html


def _name_permalinks(html: str) -> str:
    names = {
        heading_id: _words(_PERMALINK_TEXT.sub("", inner))
        for _tag, heading_id, inner in _HEADING.findall(html)
    }

    def replace(match: re.Match) -> str:
        name = names.get(match.group(1)) or "this section"
        return format_html(
            '<a class="anchor" href="#{}" title="Link to this section" aria-label="Link to “{}”"',
            match.group(1),
            name,
        )

    return _ANCHOR.sub(replace, html)


def _words(fragment: str) -> str:
    """The text of an HTML fragment, unescaped (format_html escapes it again where it goes)."""
    return " ".join(unescape(strip_tags(fragment)).split())
