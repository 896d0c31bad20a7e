"""Split a module file into YAML front matter and body, and validate the front matter.

Only plain data is accepted: YAML is read with the safe loader, so tags that would build
Python objects are errors. Every problem carries the file line it comes from.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.utils.text import slugify

from curriculum.models import Kind
from curriculum.problems import Problem

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KEYS = (
    "slug", "title", "summary", "kind", "topics", "hours", "prerequisites", "resources", "passes",
)  # fmt: skip
RESOURCE_KEYS = ("title", "url", "kind")
RESOURCE_KINDS = (
    "paper", "book", "course", "video", "docs", "article", "code", "dataset", "tool", "link",
)  # fmt: skip
URL_SCHEMES = ("http", "https", "mailto")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 120
MAX_TITLE = 200
MAX_HOURS = Decimal("1000")
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


@dataclass
class FrontMatter:
    """Validated front matter. `lines` maps each key (and list items) to its file line."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    prerequisite_lines: list[int] = field(default_factory=list)
    body: str = ""
    body_start: int = 1  # file line of the body's first line


def split(text: str, path: str) -> tuple[str | None, int, str, int, list[Problem]]:
    """Return (yaml text or None, its first file line, body, body's first file line, problems)."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return None, 0, text, 1, []
    for index in range(1, len(lines)):
        if _CLOSE.match(lines[index]):
            return "\n".join(lines[1:index]), 2, "\n".join(lines[index + 1 :]), index + 2, []
    problem = Problem(
        path, 1, "front matter opened with '---' is never closed: add a '---' line after it"
    )
    return None, 0, "", 1, [problem]


def parse(text: str, path: str) -> tuple[FrontMatter, list[Problem]]:
    yaml_text, first_line, body, body_start, problems = split(text, path)
    result = FrontMatter(body=body, body_start=body_start)
    if problems or yaml_text is None:
        return result, problems
    if not yaml_text.strip():
        return result, []

    loader = SafeLoader(yaml_text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        last_line = first_line + max(yaml_text.count("\n"), 0)
        return result, [_yaml_problem(error, path, first_line, last_line)]
    except yaml.YAMLError as error:
        return result, [Problem(path, first_line, f"front matter is not valid YAML: {error}")]
    finally:
        loader.dispose()

    if data is None:
        return result, []
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return result, [
            Problem(
                path,
                first_line,
                "front matter must be a mapping of keys to values (like 'title: …'), "
                f"not {_describe(data)}",
            )
        ]

    key_lines: dict[str, int] = {}
    value_nodes: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
        if key in key_lines:
            problems.append(
                Problem(path, line, f"key '{key}' appears twice (first on line {key_lines[key]})")
            )
            continue
        key_lines[key] = line
        value_nodes[key] = value_node
    result.lines = key_lines

    for key, value in data.items():
        key = str(key)
        line = key_lines.get(key, first_line)
        if key not in KEYS:
            problems.append(Problem(path, line, f"unknown key '{key}'{_did_you_mean(key, KEYS)}"))
            continue
        checker = _CHECKERS[key]
        cleaned, messages = checker(value, value_nodes.get(key), first_line, line)
        for item_line, message in messages:
            problems.append(Problem(path, item_line, message))
        if not messages:
            result.values[key] = cleaned
    if "prerequisites" in result.values:
        node = value_nodes["prerequisites"]
        result.prerequisite_lines = [first_line + item.start_mark.line for item in node.value]
    return result, problems


def is_valid_slug(value: str) -> bool:
    return bool(SLUG_PATTERN.match(value)) and len(value) <= MAX_SLUG


# --- checkers: (value, node, first yaml line, key line) -> (cleaned, [(line, message)]) ---


def _check_slug(value, node, first_line, line):
    if not isinstance(value, str):
        return None, [(line, f"slug must be text, not {_describe(value)}")]
    if not is_valid_slug(value):
        return None, [
            (
                line,
                f"slug '{value}' is not URL-safe: use lowercase letters, digits and single "
                f"hyphens (at most {MAX_SLUG} characters), e.g. 'lstm-language-model'",
            )
        ]
    return value, []


def _check_title(value, node, first_line, line):
    if not isinstance(value, str) or not value.strip():
        return None, [(line, f"title must be non-empty text, not {_describe(value)}")]
    if len(value) > MAX_TITLE:
        return None, [(line, f"title is longer than {MAX_TITLE} characters")]
    return value.strip(), []


def _check_summary(value, node, first_line, line):
    if not isinstance(value, str):
        return None, [(line, f"summary must be text, not {_describe(value)}")]
    return value.strip(), []


def _check_kind(value, node, first_line, line):
    if value not in Kind.values:
        choices = " | ".join(Kind.values)
        hint = _did_you_mean(str(value), Kind.values)
        return None, [(line, f"kind must be one of {choices}, not {value!r}{hint}")]
    return value, []


def _check_hours(value, node, first_line, line):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, [(line, f"hours must be a positive number, not {_describe(value)}")]
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        return None, [(line, f"hours must be a positive number, not {value!r}")]
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        return None, [(line, f"hours must be a positive number up to {MAX_HOURS}, not {value}")]
    return hours.quantize(Decimal("0.1")), []


def _check_topics(value, node, first_line, line):
    if not isinstance(value, list):
        return None, [
            (line, f"topics must be a list, e.g. [nlp, transformers], not {_describe(value)}")
        ]
    messages = []
    topics = []
    for index, item in enumerate(value):
        item_line = first_line + node.value[index].start_mark.line
        if not isinstance(item, str) or not item.strip():
            messages.append(
                (item_line, f"each topic must be non-empty text, not {_describe(item)}")
            )
        elif len(item) > 80:
            messages.append((item_line, "a topic is longer than 80 characters"))
        elif item.strip() not in topics:
            topics.append(item.strip())
    return topics, messages


def _check_prerequisites(value, node, first_line, line):
    if not isinstance(value, list):
        return None, [(line, f"prerequisites must be a list of slugs, not {_describe(value)}")]
    messages = []
    for index, item in enumerate(value):
        item_line = first_line + node.value[index].start_mark.line
        if not isinstance(item, str) or not is_valid_slug(item):
            messages.append((item_line, f"prerequisite {item!r} is not a module slug"))
    if messages:
        return None, messages
    return list(dict.fromkeys(value)), messages


def _check_resources(value, node, first_line, line):
    if not isinstance(value, list):
        return None, [
            (line, f"resources must be a list of {{title, url, kind}}, not {_describe(value)}")
        ]
    messages = []
    resources = []
    for index, item in enumerate(value):
        item_node = node.value[index]
        item_line = first_line + item_node.start_mark.line
        if not isinstance(item, dict):
            messages.append(
                (
                    item_line,
                    f"each resource must be a mapping with title and url, not {_describe(item)}",
                )
            )
            continue
        for key in item:
            if key not in RESOURCE_KEYS:
                hint = _did_you_mean(str(key), RESOURCE_KEYS)
                messages.append((item_line, f"unknown resource key '{key}'{hint}"))
        title, url, kind = item.get("title"), item.get("url"), item.get("kind", "link")
        if not isinstance(title, str) or not title.strip():
            messages.append((item_line, "resource needs a title (text)"))
        if not isinstance(url, str) or not url.strip():
            messages.append((item_line, "resource needs a url (text)"))
        else:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme not in URL_SCHEMES:
                messages.append(
                    (item_line, f"resource url {url!r} must start with http:, https: or mailto:")
                )
        if kind not in RESOURCE_KINDS:
            hint = _did_you_mean(str(kind), RESOURCE_KINDS)
            messages.append(
                (
                    item_line,
                    f"resource kind must be one of {', '.join(RESOURCE_KINDS)}, not {kind!r}{hint}",
                )
            )
        resources.append({"title": str(title).strip(), "url": str(url).strip(), "kind": kind})
    return resources, messages


MAX_PASSES = 6
MAX_PASS_NAME = 40


def _check_passes(value, node, first_line, line):
    """A paper's reading passes, in order: a list of short names (default: skim, read,
    re-derive). Each gets a key from its name, which study sessions are logged against."""
    if not isinstance(value, list) or not value:
        return None, [
            (
                line,
                f"passes must be a list of names, e.g. [skim, read, re-derive], not {_describe(value)}",
            )
        ]
    if len(value) > MAX_PASSES:
        return None, [(line, f"a module may name at most {MAX_PASSES} passes, not {len(value)}")]
    messages, passes, keys = [], [], {}
    for index, item in enumerate(value):
        item_line = first_line + node.value[index].start_mark.line
        name = item.strip() if isinstance(item, str) else ""
        key = slugify(name)[:MAX_PASS_NAME]
        if not name or not key:
            messages.append((item_line, f"each pass must be a name, not {_describe(item)}"))
        elif len(name) > MAX_PASS_NAME:
            messages.append((item_line, f"a pass name is longer than {MAX_PASS_NAME} characters"))
        elif key in keys:
            messages.append(
                (item_line, f"pass '{name}' is named twice (first on line {keys[key]})")
            )
        else:
            keys[key] = item_line
            passes.append({"key": key, "name": name})
    return passes, messages


_CHECKERS = {
    "slug": _check_slug,
    "title": _check_title,
    "summary": _check_summary,
    "kind": _check_kind,
    "hours": _check_hours,
    "topics": _check_topics,
    "prerequisites": _check_prerequisites,
    "resources": _check_resources,
    "passes": _check_passes,
}


def _yaml_problem(
    error: yaml.MarkedYAMLError, path: str, first_line: int, last_line: int
) -> Problem:
    mark = error.problem_mark or error.context_mark
    # At the end of the text the mark points past it; name the last line that has YAML.
    line = min(first_line + (mark.line if mark else 0), last_line)
    if isinstance(error, yaml.constructor.ConstructorError) and "tag" in str(error.problem):
        tag = re.search(r"'([^']*)'", str(error.problem))
        shown = tag.group(1) if tag else "a YAML tag"
        return Problem(
            path,
            line,
            f"YAML tag {shown} is not allowed: front matter holds plain data only",
        )
    detail = error.problem or str(error)
    context = f" ({error.context})" if error.context else ""
    return Problem(path, line, f"front matter is not valid YAML: {detail}{context}")


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"a {type(value).__name__} ({value!s})"
