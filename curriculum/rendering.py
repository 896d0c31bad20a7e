"""Markdown to safe HTML, for module bodies and everything learners write.

Python-Markdown renders (fenced code with Pygments classes, tables, heading anchors, LaTeX
math as MathML); nh3 then removes anything that could run. Python-Markdown alone passes raw
HTML through untouched, so nothing leaves this module unsanitized.

Python-Markdown is quadratic on some shapes and recurses on nesting, so every text is priced
first from its shape (`curriculum.bounds`): one over its budget is shown as plain text with
the reason, and highlighting and formulas are spent from what the budget leaves.
"""

from __future__ import annotations

import html
import re
import threading

import latex2mathml.converter
import markdown
import nh3
from django.utils.text import slugify
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from curriculum import bounds

MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mfrac", "msqrt", "mroot",
    "mstyle", "mpadded", "mphantom", "menclose", "mtable", "mtr", "mtd", "mmultiscripts",
    "mprescripts", "none",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "form", "separator", "lspace", "rspace",
    "accent", "accentunder", "linethickness", "displaystyle", "scriptlevel", "columnalign",
    "rowalign", "columnspacing", "rowspacing", "width", "height", "depth", "notation",
    "minsize", "maxsize", "movablelimits", "symmetric", "largeop",
}  # fmt: skip

ALLOWED_TAGS = (set(nh3.ALLOWED_TAGS) | MATHML_TAGS) - {"map", "area"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    **{tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS},
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "a": {"href", "hreflang", "title", "class"},
    "img": {"src", "alt", "title"},
    "span": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "code": {"class"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
}
ALLOWED_ATTRIBUTES["math"] |= {"xmlns"}
URL_SCHEMES = {"http", "https", "mailto"}
# Every id that user text can set gets this prefix, so markdown can't clobber the page's own ids.
ID_PREFIX = "h-"

_TASK_ITEM = re.compile(r"<li>(<p>)?\[([ xX])\] ")
_IMAGE = re.compile(r"<img\b([^>]*)>")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


def render_markdown(text: str, *, anchors: bool = True) -> str:
    """Render markdown to sanitized HTML. Safe to mark safe; never raises on odd input, and
    takes at most 25× the time of prose of the same length (bench/markdown_worst.py)."""
    shape = bounds.measure(text)
    if shape.problem:
        return plain_text(text, shape.problem)
    source, left = _spend_on_code(shape, bounds.normalize(text))
    renderer = _renderer(anchors)
    renderer.formula_budget = left
    try:
        rendered = renderer.reset().convert(source)
    except RecursionError:  # bounds.MAX_DEPTH should prevent it; never a 500 if not
        return plain_text(text, (1, "nested too deep to render"))
    finally:
        renderer.reset()
    return sanitize(rendered)


def plain_text(text: str, problem: tuple[int, str]) -> str:
    """A text too costly to render, as escaped paragraphs with a line saying why: linear."""
    line, why = problem
    paragraphs = re.split(r"\n(?:[ ]*\n)+", bounds.normalize(text).strip("\n"))
    body = "".join(
        "<p>" + "<br>\n".join(html.escape(part) for part in paragraph.split("\n")) + "</p>\n"
        for paragraph in paragraphs
        if paragraph.strip()
    )
    note = (
        f'<p class="markdown-plain">Shown as plain text, too costly to render as markdown '
        f"(line {line}: {html.escape(why)}).</p>\n"
    )
    return note + body  # every character of the text is escaped: nothing for nh3 to remove


def _spend_on_code(shape: bounds.Shape, source: str) -> tuple[str, float]:
    """Highlight fenced code in order while the budget lasts and the language is one we
    allow; the others lose their language, so Pygments shows them as plain text."""
    left = shape.left
    lines: list[str] | None = None
    for fence in shape.fences:
        cost = bounds.HIGHLIGHT * fence.code_length
        if (
            fence.lang.lower() in bounds.HIGHLIGHTED
            and fence.widest <= bounds.HIGHLIGHT_WIDTH
            and cost <= left
        ):
            left -= cost
            continue
        if fence.info:
            if lines is None:
                lines = source.split("\n")
            opener = lines[fence.start]
            lines[fence.start] = opener[: len(opener) - len(opener.lstrip(opener[0]))]
    return ("\n".join(lines) if lines is not None else source), left


_local = threading.local()


def _renderer(anchors: bool) -> markdown.Markdown:
    """One Markdown instance per thread and flavour: building one costs more than a render."""
    key = f"renderer_{anchors}"
    renderer = getattr(_local, key, None)
    if renderer is None:
        renderer = new_markdown(anchors=anchors)
        setattr(_local, key, renderer)
    return renderer


def new_markdown(*, anchors: bool = True) -> markdown.Markdown:
    """A new Python-Markdown instance configured as render_markdown uses it, before nh3.

    bench/loader.py times this alone as the baseline for loading modules.
    """
    return markdown.Markdown(
        extensions=[
            "fenced_code",
            "tables",
            "sane_lists",
            "codehilite",
            MathExtension(),
            *(["toc"] if anchors else []),
        ],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {
                "permalink": "#",
                "permalink_class": "anchor",
                "permalink_title": "Link to this section",
                "slugify": _heading_id,
            },
        },
        output_format="html",
    )


def render_inline(text: str) -> str:
    """One line of markdown (a checkpoint, a title) as sanitized HTML without a <p> around it."""
    rendered = render_markdown(text, anchors=False).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


def sanitize(fragment: str) -> str:
    """nh3 with our allowlist, then the two rewrites that are only safe on sanitized HTML."""
    clean = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        id_prefix=ID_PREFIX,
        strip_comments=True,
    )
    clean = _TASK_ITEM.sub(_checkbox, clean)
    return _IMAGE.sub(_image_as_link, clean)


def _heading_id(value: str, separator: str) -> str:
    return ID_PREFIX + (slugify(value) or "section")


def _checkbox(match: re.Match) -> str:
    checked = " checked" if match.group(2) in "xX" else ""
    return (
        f'<li class="task-list-item">{match.group(1) or ""}'
        f'<input type="checkbox" disabled{checked} aria-label="checkpoint"> '
    )


def _image_as_link(match: re.Match) -> str:
    """Show images as links: loading them would send the reader's address to another site."""
    attributes = dict(_ATTRIBUTE.findall(match.group(1)))
    label = attributes.get("alt") or "image"
    src = attributes.get("src")
    if not src:
        return f'<span class="image-placeholder">[{label}]</span>'
    return f'<a class="image-link" href="{src}" rel="noopener noreferrer">[image: {label}]</a>'


# --- LaTeX math -------------------------------------------------------------------------

_BLOCK_MATH = re.compile(r"^\$\$(.*?)\$\$\s*$", re.DOTALL)
_INLINE_MATH = r"(?<![\\$\w])\$(?!\s)([^$\n]+?)(?<!\s)\$(?![\d$])"
_DISPLAY_INLINE_MATH = r"\$\$([^$]+?)\$\$"


def latex_to_mathml(latex: str, *, display: bool) -> str:
    """MathML for a formula, or the formula as code when it does not parse."""
    try:
        mathml = latex2mathml.converter.convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds of error on bad input
        mathml = None
    if not mathml:
        return f'<code class="math-error">{html.escape(latex)}</code>'
    return mathml


def _formula(md: markdown.Markdown, latex: str, *, display: bool) -> str:
    """MathML while the render's budget lasts (render_markdown sets it), then plain code."""
    cost = bounds.FORMULA + bounds.FORMULA_CHAR * len(latex)
    left = getattr(md, "formula_budget", None)
    if left is not None:
        if cost > left:
            return f'<code class="math-source">{html.escape(latex)}</code>'
        md.formula_budget = left - cost
    return latex_to_mathml(latex, display=display)


class _BlockMathPreprocessor(Preprocessor):
    """`$$ … $$` on lines of their own (fenced code has been stashed already)."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        buffer: list[str] | None = None
        for line in lines:
            stripped = line.strip()
            if buffer is None:
                if stripped.startswith("$$") and (stripped == "$$" or not stripped.endswith("$$")):
                    buffer = [stripped[2:]]
                    continue
                if len(stripped) > 4 and _BLOCK_MATH.match(stripped):
                    out.extend(self._stash(stripped[2:-2]))
                    continue
                out.append(line)
            elif stripped.endswith("$$"):
                buffer.append(stripped[:-2])
                out.extend(self._stash("\n".join(buffer)))
                buffer = None
            else:
                buffer.append(line)
        if buffer is not None:  # never closed: leave the text as it was
            out.append("$$" + "\n".join(buffer))
        return out

    def _stash(self, latex: str) -> list[str]:
        placeholder = self.md.htmlStash.store(_formula(self.md, latex.strip(), display=True))
        return ["", placeholder, ""]


class _InlineMathProcessor(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, *, display: bool) -> None:
        super().__init__(pattern, md)
        self.display = display

    def handleMatch(self, m: re.Match, data: str) -> tuple[str, int, int]:
        placeholder = self.md.htmlStash.store(_formula(self.md, m.group(1), display=self.display))
        return placeholder, m.start(0), m.end(0)


class MathExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_BlockMathPreprocessor(md), "block_math", 20)
        # Below backticks (190), so `$x$` inside code stays code.
        md.inlinePatterns.register(
            _InlineMathProcessor(_DISPLAY_INLINE_MATH, md, display=True), "display_math", 186
        )
        md.inlinePatterns.register(
            _InlineMathProcessor(_INLINE_MATH, md, display=False), "inline_math", 185
        )
