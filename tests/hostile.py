"""The hostile inputs of ../shared/hostile/ and a checker that HTML built from them is inert."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.conftest import SHARED

XSS_FILE = SHARED / "hostile" / "markdown-xss.txt"
FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "form", "base", "meta", "style", "link", "frame",
    "frameset", "applet", "svg", "template", "noscript",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
}
SAFE_URL = re.compile(r"^(https?:|mailto:|#|/|[^:]*$)", re.IGNORECASE)
# htmx would turn these into live requests or handlers if they reached a page.
HTMX_ATTRIBUTE = re.compile(r"^(data-)?hx-|^hx-on", re.IGNORECASE)


def payloads() -> list[str]:
    """The payloads one per line, plus the multi-line fenced one as a single payload."""
    lines = XSS_FILE.read_text(encoding="utf-8").split("\n")
    items: list[str] = []
    fence: list[str] | None = None
    for line in lines:
        if fence is not None:
            fence.append(line)
            if line.startswith("```"):
                items.append("\n".join(fence))
                fence = None
            continue
        if not line.strip() or line.startswith("# "):
            continue
        if line.startswith("```"):
            fence = [line]
            continue
        items.append(line)
    return items


HTMX_PAYLOADS = [
    '<a hx-get="/admin/" hx-trigger="load">x</a>',
    '<div data-hx-post="/api/v1/runs" data-hx-trigger="load">x</div>',
    '<button hx-on:click="alert(1)">x</button>',
    '<span hx-on::load="alert(1)" data-hx-on:click="alert(1)">x</span>',
    "<p hx-vals='js:{a: alert(1)}' hx-get=\"/\">x</p>",
]


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            lowered = name.lower()
            if lowered.startswith("on"):
                self.problems.append(f"{lowered} attribute on <{tag}>")
            if lowered == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if HTMX_ATTRIBUTE.match(lowered):
                self.problems.append(f"htmx attribute {lowered} on <{tag}>")
            if lowered in URL_ATTRIBUTES and value is not None:
                compact = re.sub(r"[\s\x00-\x1f]", "", value)
                if not SAFE_URL.match(compact):
                    self.problems.append(f"{lowered}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[str]:
    """What in `html` could run: dangerous elements, handlers, URLs. Empty when inert."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems
