"""Read what a module body says about itself: title, summary, checkpoints, common failures.

A line scanner rather than a second markdown parse: it only needs headings, paragraphs and
list items outside fenced code, and it must report file lines.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.utils.text import slugify

from curriculum.frontmatter import URL_SCHEMES
from curriculum.problems import Problem

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_TASK = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*)$")
_EXPLICIT_KEY = re.compile(r"\s*\{#([a-z0-9]+(?:-[a-z0-9]+)*)\}\s*$")
# A checkpoint's attribute block: an explicit key, a requirement, or both:
# `{#key}`, `{requires=ledger}`, `{#key requires=ledger}`.
_ATTRIBUTES = re.compile(r"\s*\{(?:#([a-z0-9]+(?:-[a-z0-9]+)*))?(\s*requires=[^\s}]*)?\s*\}\s*$")
REQUIREMENTS = {"ledger"}
# The reading ledger: `- [kind] section ref: what the paper says {#key}`.
LEDGER_HEADING = "reading ledger"
_LEDGER_LINE = re.compile(r"^(\s*)[-*+]\s+\[([^\]]*)\]\s*(.*)$")
LEDGER_KINDS = {"claim": "claim", "equation": "equation", "figure": "figure", "table": "figure",
                "symbol": "symbol"}  # fmt: skip
MAX_SECTION = 40
MAX_LEDGER_TEXT = 500
MAX_KEY = 80  # Checkpoint.key
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_ROADMAP_LINK = re.compile(r"\[@(\w+)@([^\]]+)\]\(([^)\s]+)\)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_HTML_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)")
# Headings that name a section rather than the document; they don't make a good title.
GENERIC_HEADINGS = {
    "contents", "table of contents", "toc", "summary", "overview", "introduction", "about",
    "index", "readme",
}  # fmt: skip
ROADMAP_KINDS = {
    "article": "article", "video": "video", "course": "course", "official": "docs",
    "opensource": "code", "book": "book", "podcast": "link", "feed": "link",
}  # fmt: skip
MAX_CHECKPOINT = 500
SUMMARY_LENGTH = 300


@dataclass
class CheckpointSpec:
    key: str
    text: str  # markdown, without an explicit {#key}
    line: int
    explicit: bool = False
    html: str = ""  # the text rendered inline; filled in by the loader before it writes
    requires_ledger: bool = False  # `{requires=ledger}`: ticked only once the ledger is owned


@dataclass
class LedgerSpec:
    key: str
    kind: str  # claim | equation | figure | symbol
    section: str  # "§3.2", "Table 3", "Eq. 1"
    text: str  # markdown
    line: int
    explicit: bool = False
    html: str = ""  # filled in by the loader


@dataclass
class BodyFacts:
    title: str | None = None
    summary: str = ""
    checkpoints: list[CheckpointSpec] = field(default_factory=list)
    ledger: list[LedgerSpec] = field(default_factory=list)
    ledger_line: int | None = None  # the "## Reading ledger" heading's line
    common_failures: list[dict[str, str]] = field(default_factory=list)
    roadmap_resources: list[dict[str, str]] = field(default_factory=list)
    body: str = ""  # the body to render: explicit keys and roadmap prefixes removed


def analyse(body: str, path: str, first_line: int) -> tuple[BodyFacts, list[Problem]]:
    facts = BodyFacts()
    problems: list[Problem] = []
    lines = body.split("\n")
    out: list[str] = []
    fence: str | None = None
    paragraph: list[str] = []
    failures_level: int | None = None
    failure_lines: list[str] = []
    explicit_keys: dict[str, int] = {}
    ledger_keys: dict[str, int] = {}
    ledger_level: int | None = None  # inside the "## Reading ledger" section
    seen_title = False

    def end_paragraph() -> None:
        if paragraph and not facts.summary:
            text = plain_text(" ".join(paragraph))
            if len(text) >= 3:
                facts.summary = _shorten(text)
        paragraph.clear()

    for offset, line in enumerate(lines):
        number = first_line + offset
        fence_match = _FENCE.match(line)
        if fence is not None:
            if (
                fence_match
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
            ):
                fence = None
            out.append(line)
            continue
        if fence_match:
            end_paragraph()
            fence = fence_match.group(1)
            out.append(line)
            continue

        heading = _HEADING.match(line)
        if heading:
            end_paragraph()
            level, text = len(heading.group(1)), heading.group(2)
            if failures_level is not None and level <= failures_level:
                _collect_failures(failure_lines, facts)
                failures_level = None
            if ledger_level is not None and level <= ledger_level:
                ledger_level = None
            if level >= 2 and plain_text(text).lower() == LEDGER_HEADING:
                if facts.ledger_line is not None:
                    problems.append(
                        Problem(
                            path,
                            number,
                            f"a second Reading ledger section (the first is on line {facts.ledger_line})",
                        )
                    )
                facts.ledger_line = facts.ledger_line or number
                ledger_level = level
                continue  # the module page shows the ledger itself: not in the rendered text
            if level == 1 and not seen_title:
                # Only the first: a later heading names a section, not the document.
                seen_title = True
                if plain_text(text).lower() not in GENERIC_HEADINGS:
                    facts.title = plain_text(text)
            if level >= 2 and plain_text(text).lower().startswith("common failures"):
                failures_level = level
                failure_lines = []
            out.append(line)
            continue

        if ledger_level is not None:
            # The section is the ledger's: its items are read, its prose is for the author.
            item = _LEDGER_LINE.match(line)
            if item:
                spec = _ledger_item(item, path, number, ledger_keys, problems)
                if spec is not None:
                    facts.ledger.append(spec)
            continue

        if failures_level is not None:
            failure_lines.append(line)

        task = _TASK.match(line)
        if task:
            end_paragraph()
            text = task.group(3)
            requires_ledger = False
            explicit = _ATTRIBUTES.search(text)
            if explicit and not (explicit.group(1) or explicit.group(2)):
                explicit = None  # `{}`: not an attribute block
            if explicit and explicit.group(2):
                requirement = explicit.group(2).strip().removeprefix("requires=")
                if requirement not in REQUIREMENTS:
                    problems.append(
                        Problem(
                            path,
                            number,
                            f"checkpoint requires '{requirement}': the only requirement is "
                            "'requires=ledger' (the whole reading ledger checked)",
                        )
                    )
                requires_ledger = True
            if explicit and not explicit.group(1):
                # Only a requirement: the key is derived from the words, as without a block.
                text = text[: explicit.start()]
                line = line[: len(line) - len(task.group(3))] + text
                explicit = None
            elif explicit:
                key = explicit.group(1)
                text = text[: explicit.start()]
                if key in explicit_keys:
                    problems.append(
                        Problem(
                            path,
                            number,
                            f"checkpoint key '{key}' is used twice (first on line {explicit_keys[key]})",
                        )
                    )
                if len(key) > MAX_KEY:
                    problems.append(
                        Problem(
                            path,
                            number,
                            f"checkpoint key '{key[:20]}…' is longer than {MAX_KEY} characters",
                        )
                    )
                explicit_keys[key] = number
                line = line[: len(line) - len(task.group(3))] + text
            text = text.strip()
            if not text:
                problems.append(Problem(path, number, "checkpoint has no text"))
            elif len(text) > MAX_CHECKPOINT:
                problems.append(
                    Problem(path, number, f"checkpoint is longer than {MAX_CHECKPOINT} characters")
                )
            facts.checkpoints.append(
                CheckpointSpec(
                    key=explicit.group(1) if explicit else "",
                    text=text,
                    line=number,
                    explicit=bool(explicit),
                    requires_ledger=requires_ledger,
                )
            )
            out.append(line)
            continue

        if _ROADMAP_LINK.search(line):
            for kind, title, url in _ROADMAP_LINK.findall(line):
                scheme = url.split(":", 1)[0].lower() if ":" in url else ""
                if scheme not in URL_SCHEMES:
                    # Like front-matter resources: the module page shows these as links.
                    problems.append(
                        Problem(
                            path, number, f"link {url!r} must start with http:, https: or mailto:"
                        )
                    )
                    continue
                facts.roadmap_resources.append(
                    {
                        "title": title.strip(),
                        "url": url,
                        "kind": ROADMAP_KINDS.get(kind.lower(), "link"),
                    }
                )
            line = _ROADMAP_LINK.sub(lambda m: f"[{m.group(2)}]({m.group(3)})", line)

        stripped = line.strip()
        if not stripped or (
            _LIST_ITEM.match(line)
            or stripped.startswith((">", "|", "<", "    ", "\t"))
            or stripped in {"***", "---", "___"}
        ):
            end_paragraph()
        elif not facts.summary and plain_text(_MD_IMAGE.sub("", stripped)):
            # A paragraph made only of images or badges says nothing about the module.
            paragraph.append(stripped)

        out.append(line)

    end_paragraph()
    if failures_level is not None:
        _collect_failures(failure_lines, facts)
    _assign_keys(facts.checkpoints)
    _assign_keys(facts.ledger)
    if facts.ledger_line is not None and not facts.ledger:
        problems.append(
            Problem(
                path,
                facts.ledger_line,
                "the Reading ledger section lists no items: write lines like "
                "'- [claim] §3.2: what the paper says {#key}'",
            )
        )
    for spec in facts.checkpoints:
        if spec.requires_ledger and not facts.ledger:
            problems.append(
                Problem(
                    path,
                    spec.line,
                    "checkpoint requires the ledger, but the module has no Reading ledger section",
                )
            )
    facts.body = "\n".join(out)
    return facts, problems


def _ledger_item(item: re.Match, path: str, number: int, keys: dict[str, int], problems):
    """One `- [kind] ref: text {#key}` line, or None (with the problem) if it isn't one."""
    kind_word, rest = item.group(2).strip().lower(), item.group(3)
    if kind_word not in LEDGER_KINDS:
        hint = f" (did you mean '{close[0]}'?)" if (close := _close(kind_word)) else ""
        problems.append(
            Problem(
                path,
                number,
                f"unknown ledger kind '[{item.group(2).strip()}]'{hint}: use claim, equation, "
                "figure (or table) or symbol",
            )
        )
        return None
    explicit = _EXPLICIT_KEY.search(rest)
    if explicit:
        rest = rest[: explicit.start()]
    section, colon, text = rest.partition(": ")
    section, text = section.strip(), text.strip()
    if not colon or not section:
        problems.append(
            Problem(
                path,
                number,
                "ledger item has no section reference: write it before a colon, "
                "e.g. '- [claim] §3.2: what the paper says'",
            )
        )
        return None
    if len(section) > MAX_SECTION:
        problems.append(
            Problem(
                path,
                number,
                f"section reference is longer than {MAX_SECTION} characters: is the colon "
                "after the reference (e.g. '§3.2: …')?",
            )
        )
        return None
    if not text:
        problems.append(
            Problem(path, number, "ledger item has no text after its section reference")
        )
        return None
    if len(text) > MAX_LEDGER_TEXT:
        problems.append(
            Problem(path, number, f"ledger item is longer than {MAX_LEDGER_TEXT} characters")
        )
        return None
    key = explicit.group(1) if explicit else ""
    if key:
        if key in keys:
            problems.append(
                Problem(
                    path, number, f"ledger key '{key}' is used twice (first on line {keys[key]})"
                )
            )
            return None
        if len(key) > MAX_KEY:
            problems.append(
                Problem(
                    path, number, f"ledger key '{key[:20]}…' is longer than {MAX_KEY} characters"
                )
            )
            return None
        keys[key] = number
    return LedgerSpec(
        key=key,
        kind=LEDGER_KINDS[kind_word],
        section=section,
        text=text,
        line=number,
        explicit=bool(explicit),
    )


def _close(word: str) -> list[str]:
    return difflib.get_close_matches(word, list(LEDGER_KINDS), n=1)


def plain_text(markdown_text: str) -> str:
    """Markdown inline syntax reduced to its words: links keep their text, images go."""
    text = _MD_IMAGE.sub("", markdown_text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: m.group(1), text)
    text = _HTML_TAG.sub("", text)
    text = _EMPHASIS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def checkpoint_key(text: str) -> str:
    """A readable key from the checkpoint's words: edits of other lines leave it alone."""
    slug = slugify(plain_text(text))[:60].strip("-")
    if "-" in slug and len(slugify(plain_text(text))) > 60:
        slug = slug.rsplit("-", 1)[0]
    return slug or "checkpoint"


def _assign_keys(checkpoints: list[CheckpointSpec] | list[LedgerSpec]) -> None:
    taken = {spec.key for spec in checkpoints if spec.explicit}
    for spec in checkpoints:
        if spec.explicit:
            continue
        base = checkpoint_key(spec.text)
        key, counter = base, 2
        while key in taken:
            key, counter = f"{base}-{counter}", counter + 1
        spec.key = key
        taken.add(key)


def _collect_failures(lines: list[str], facts: BodyFacts) -> None:
    """Top-level list items of the section, each as {title, detail}."""
    items: list[list[str]] = []
    for line in lines:
        item = _LIST_ITEM.match(line)
        if item and len(item.group(1)) < 2:
            items.append([item.group(2)])
        elif items and line.strip():
            items[-1].append(line.strip())
    for parts in items:
        raw = " ".join(parts)
        bold = re.match(r"^\s*(\*\*|__)(.+?)\1[.:]?\s*(.*)$", raw)
        if bold:
            title, detail = plain_text(bold.group(2)), plain_text(bold.group(3))
        else:
            text = plain_text(raw)
            first, _, rest = text.partition(". ")
            title, detail = first.rstrip("."), rest
        if title:
            facts.common_failures.append({"title": title[:200].rstrip(".:"), "detail": detail})


def _shorten(text: str) -> str:
    if len(text) <= SUMMARY_LENGTH:
        return text
    cut = text[:SUMMARY_LENGTH].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
