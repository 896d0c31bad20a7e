"""Load module files into the database: all or nothing, incremental, never destructive.

The run first reads and validates every file (collecting every problem, not just the
first), then writes everything in one transaction. Files whose content is unchanged are not
rendered again. Modules whose files disappeared are retired, never deleted, and module lists
are never touched: they belong to the admins.
"""

from __future__ import annotations

import hashlib
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from curriculum import body as body_facts
from curriculum import bounds, frontmatter
from curriculum.models import Checkpoint, Kind, LedgerItem, Module, Topic
from curriculum.problems import CurriculumError, Problem
from curriculum.rendering import render_inline, render_markdown
from curriculum.signals import curriculum_loaded

MAX_BYTES = 1_000_000
# Part of every content hash: bump it when rendering changes, so the next load re-renders.
RENDER_VERSION = b"trajectory-render-3\n"
INDEX_NAMES = {"readme", "index"}


@dataclass
class SourceFile:
    path: Path  # absolute
    root: Path  # the folder it was found under (its parent when named directly)
    display: str  # how messages name it
    source: str  # how the database stores it: relative to the project when inside it


@dataclass
class Parsed:
    file: SourceFile
    content_hash: str
    front: frontmatter.FrontMatter
    slug: str = ""
    explicit_slug: bool = False
    unchanged: bool = False
    facts: body_facts.BodyFacts | None = None
    body_html: str = ""

    @property
    def prerequisites(self) -> list[str]:
        return self.front.values.get("prerequisites", [])


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.retired)} retired"
        )


def load_curriculum(paths: list[Path] | None = None, *, check: bool = False) -> Report:
    """Validate the files under `paths` and, unless `check`, write them. Raises CurriculumError."""
    roots = [Path(p) for p in (paths or [settings.CURRICULUM_DIR])]
    files, problems = discover(roots)
    existing = _existing_modules()
    by_source = {row["source"]: row for row in existing.values()}

    parsed: list[Parsed] = []
    for file in files:
        result, file_problems = read_and_parse(file, by_source.get(file.source))
        problems.extend(file_problems)
        if result is not None:
            parsed.append(result)

    problems.extend(_assign_slugs(parsed))
    for item in parsed:
        row = existing.get(item.slug)
        if item.unchanged and (row is None or row["source"] != item.file.source):
            item.unchanged = False
        if not item.unchanged and item.facts is None:
            problems.extend(_analyse(item))

    in_scope = _scope_test(roots)
    problems.extend(_check_foreign_slugs(parsed, existing, in_scope))
    problems.extend(_check_prerequisites(parsed, existing, in_scope))
    if problems:
        raise CurriculumError(problems)

    report = _plan(parsed, existing, in_scope)
    if not check:
        _write(parsed, existing, report)
        if report.created or report.updated or report.retired:
            curriculum_loaded.send(sender=load_curriculum)
    return report


# --- reading -----------------------------------------------------------------------------


def discover(roots: list[Path]) -> tuple[list[SourceFile], list[Problem]]:
    files: list[SourceFile] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for root in roots:
        absolute = root.resolve()
        if absolute.is_file():
            candidates, base = [absolute], absolute.parent
        elif absolute.is_dir():
            candidates = sorted(
                path
                for path in absolute.rglob("*.md")
                if path.is_file()
                and not any(part.startswith(".") for part in path.relative_to(absolute).parts)
            )
            base = absolute
        else:
            problems.append(Problem(_display(absolute), 0, "no such file or folder"))
            continue
        for path in candidates:
            if path in seen:
                continue
            seen.add(path)
            if path != absolute and not _regular_file(path):
                # A link inside a curriculum folder could publish any file the server can read.
                problems.append(
                    Problem(
                        _display(path),
                        1,
                        "is a symbolic link or not a regular file: module files must be plain "
                        "files inside the folder",
                    )
                )
                continue
            files.append(SourceFile(path, base, _display(path), _stored_source(path)))
    return files, problems


def _regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def read_and_parse(file: SourceFile, row: dict | None) -> tuple[Parsed | None, list[Problem]]:
    """Read one file; parse its front matter always, its body only if the content changed."""
    path = file.display
    # Read one byte past the limit rather than trust the size a stat reports.
    with file.path.open("rb") as stream:
        raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        size = max(file.path.stat().st_size, len(raw))
        return None, [
            Problem(path, 1, f"file is {size:,} bytes; a module file may be at most 1 MB")
        ]
    if not raw.strip():
        return None, [Problem(path, 1, "file is empty: a module needs at least a title or a body")]
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, [Problem(path, line, "file contains a NUL byte: is it a binary file?")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        bad = raw[error.start : error.start + 1].hex()
        return None, [
            Problem(
                path,
                line,
                f"not valid UTF-8 (byte 0x{bad} at column {column}): save the file as UTF-8",
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    content_hash = hashlib.sha256(RENDER_VERSION + raw).hexdigest()

    front, problems = frontmatter.parse(text, path)
    item = Parsed(file=file, content_hash=content_hash, front=front)
    if "slug" in front.values:
        item.slug, item.explicit_slug = front.values["slug"], True
    item.unchanged = bool(row and row["content_hash"] == content_hash and row["retired_at"] is None)
    if not problems and not item.unchanged:
        problems.extend(_analyse(item))
    return item, problems


def _analyse(item: Parsed) -> list[Problem]:
    facts, problems = body_facts.analyse(item.front.body, item.file.display, item.front.body_start)
    item.facts = facts
    shape = bounds.measure(facts.body)
    if shape.problem:
        # Rendered, it would be shown as plain text: the author gets the line to fix instead.
        line, why = shape.problem
        problems.append(
            Problem(
                item.file.display,
                item.front.body_start + line - 1,
                f"{why}: too costly to render (see docs/curriculum-format.md, 'Limits')",
            )
        )
        return problems
    item.body_html = render_markdown(facts.body)
    if facts.ledger and item.front.values.get("kind") != Kind.PAPER:
        problems.append(
            Problem(
                item.file.display,
                facts.ledger_line or 1,
                "a Reading ledger belongs to a paper: set 'kind: paper' in the front matter",
            )
        )
    if item.front.values.get("passes") and item.front.values.get("kind") != Kind.PAPER:
        problems.append(
            Problem(
                item.file.display,
                item.front.lines.get("passes", 1),
                "reading passes belong to a paper: set 'kind: paper' in the front matter",
            )
        )
    # Rendered here, before the write transaction: on SQLite that holds the write lock.
    for spec in facts.checkpoints:
        spec.html = render_inline(spec.text)
    for spec in facts.ledger:
        spec.html = render_inline(spec.text)
    return problems


# --- slugs ---------------------------------------------------------------------------------


def derived_slug_candidates(file: SourceFile) -> list[str]:
    """Slugs a file without an explicit slug may get, shortest first.

    The file name (for README.md or index.md, its folder's name; for roadmap-style
    `topic@NodeId.md`, the part before the @), then that with the parent folders' names
    in front, one at a time, for when two files would otherwise share a slug.
    """
    relative = file.path.relative_to(file.root)
    parts = [file.root.name, *relative.parts[:-1]]
    stem = relative.stem.split("@", 1)[0]
    if stem.lower() in INDEX_NAMES:
        stem = parts.pop() if parts else stem
    base = slugify(stem)[: frontmatter.MAX_SLUG] or "module"
    candidates = [base]
    prefix = base
    for folder in reversed(parts):
        folder_slug = slugify(folder)
        if folder_slug:
            prefix = f"{folder_slug}-{prefix}"[: frontmatter.MAX_SLUG].strip("-")
            candidates.append(prefix)
    return candidates


def _assign_slugs(parsed: list[Parsed]) -> list[Problem]:
    problems: list[Problem] = []
    explicit: dict[str, Parsed] = {}
    for item in parsed:
        if not item.explicit_slug:
            continue
        if item.slug in explicit:
            other = explicit[item.slug]
            problems.append(
                Problem(
                    item.file.display,
                    item.front.lines.get("slug", 1),
                    f"slug '{item.slug}' is also used by {other.file.display}:{other.front.lines.get('slug', 1)}",
                )
            )
        else:
            explicit[item.slug] = item

    derived = [item for item in parsed if not item.explicit_slug]
    candidates = {id(item): derived_slug_candidates(item.file) for item in derived}
    level = dict.fromkeys(candidates, 0)
    while True:
        groups: dict[str, list[Parsed]] = defaultdict(list)
        for item in derived:
            options = candidates[id(item)]
            groups[options[min(level[id(item)], len(options) - 1)]].append(item)
        clashes = {
            slug: items for slug, items in groups.items() if len(items) > 1 or slug in explicit
        }
        movable = False
        for items in clashes.values():
            for item in items:
                if level[id(item)] < len(candidates[id(item)]) - 1:
                    level[id(item)] += 1
                    movable = True
        if not clashes or not movable:
            break
    for slug, items in groups.items():
        for item in items:
            item.slug = slug
        if len(items) > 1 or slug in explicit:
            others = [*items, *([explicit[slug]] if slug in explicit else [])]
            names = " and ".join(other.file.display for other in others)
            problems.append(
                Problem(
                    items[0].file.display,
                    1,
                    f"files {names} would all get slug '{slug}': give one an explicit 'slug:' in its front matter",
                )
            )
    return problems


# --- cross-file checks -----------------------------------------------------------------------


def _scope_test(roots: list[Path]):
    """Which stored modules this run answers for: those whose files lie under its paths."""
    resolved = [root.resolve() for root in roots]

    def in_scope(source: str) -> bool:
        path = _absolute_source(source)
        return any(path == root or root in path.parents for root in resolved)

    return in_scope


def _check_foreign_slugs(parsed, existing, in_scope) -> list[Problem]:
    problems = []
    for item in parsed:
        row = existing.get(item.slug)
        # A module from elsewhere keeps its slug while its file exists and it is active.
        if (
            row
            and row["retired_at"] is None
            and not in_scope(row["source"])
            and _absolute_source(row["source"]).exists()
        ):
            problems.append(
                Problem(
                    item.file.display,
                    item.front.lines.get("slug", 1),
                    f"slug '{item.slug}' already belongs to a module loaded from {row['source']}",
                )
            )
    return problems


def _check_prerequisites(parsed, existing, in_scope) -> list[Problem]:
    problems: list[Problem] = []
    run_slugs = {item.slug for item in parsed}
    outside = {
        slug
        for slug, row in existing.items()
        if row["retired_at"] is None and not in_scope(row["source"]) and slug not in run_slugs
    }
    known = run_slugs | outside
    graph: dict[str, list[str]] = {
        slug: list(row["prerequisites"]) for slug, row in existing.items() if slug in outside
    }
    where: dict[str, tuple[str, int]] = {}
    for item in parsed:
        graph[item.slug] = item.prerequisites
        where[item.slug] = (item.file.display, item.front.lines.get("prerequisites", 1))
        for slug, line in zip(item.prerequisites, item.front.prerequisite_lines, strict=False):
            if slug not in known:
                hint = frontmatter._did_you_mean(slug, sorted(known))
                problems.append(
                    Problem(
                        item.file.display,
                        line,
                        f"prerequisite '{slug}' is not a known module{hint}",
                    )
                )
    if problems:
        return problems
    for cycle in find_cycles(graph):
        path, line = where.get(cycle[0], ("?", 1))
        problems.append(Problem(path, line, "prerequisite cycle: " + " → ".join(cycle)))
    return problems


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle once, as [a, b, …, a], starting from its smallest slug."""
    cycles: list[list[str]] = []
    seen_cycles: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :]
                start = cycle.index(min(cycle))
                ordered = cycle[start:] + cycle[:start]
                if tuple(ordered) not in seen_cycles:
                    seen_cycles.add(tuple(ordered))
                    cycles.append([*ordered, ordered[0]])
            elif state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


# --- writing ---------------------------------------------------------------------------------


def _plan(parsed, existing, in_scope) -> Report:
    report = Report()
    for item in parsed:
        if item.unchanged:
            report.unchanged.append(item.slug)
        elif item.slug in existing:
            report.updated.append(item.slug)
        else:
            report.created.append(item.slug)
    run_slugs = {item.slug for item in parsed}
    for slug, row in sorted(existing.items()):
        if row["retired_at"] is None and slug not in run_slugs and in_scope(row["source"]):
            report.retired.append(slug)
    return report


def _fields(item: Parsed) -> dict:
    values, facts = item.front.values, item.facts
    assert facts is not None
    title = values.get("title") or facts.title or _humanize(item.file)
    return {
        "title": title[: frontmatter.MAX_TITLE],
        "summary": values.get("summary") or facts.summary,
        "kind": values.get("kind", ""),
        "hours": values.get("hours"),
        "resources": values.get("resources") or facts.roadmap_resources,
        "passes": values.get("passes", []),
        "common_failures": facts.common_failures,
        "body_html": item.body_html,
        "source": item.file.source,
        "content_hash": item.content_hash,
        "retired_at": None,
    }


UPDATE_FIELDS = [
    "title", "summary", "kind", "hours", "resources", "passes", "common_failures", "body_html", "source",
    "content_hash", "retired_at", "updated_at",
]  # fmt: skip


def _write(parsed: list[Parsed], existing: dict, report: Report) -> None:
    changed = [item for item in parsed if not item.unchanged]
    now = timezone.now()
    with transaction.atomic():
        creates, updates = [], []
        for item in changed:
            fields = _fields(item)
            if item.slug in existing:
                module = Module(id=existing[item.slug]["id"], slug=item.slug, **fields)
                module.updated_at = now
                updates.append(module)
            else:
                creates.append(Module(slug=item.slug, **fields))
        Module.objects.bulk_create(creates, batch_size=500)
        Module.objects.bulk_update(updates, UPDATE_FIELDS, batch_size=200)
        if report.retired:
            Module.objects.filter(slug__in=report.retired).update(retired_at=now, updated_at=now)

        ids = {module.slug: module.id for module in [*creates, *updates]}
        ids.update({slug: row["id"] for slug, row in existing.items() if slug not in ids})
        changed_ids = [ids[item.slug] for item in changed]
        _write_topics(changed, ids)
        _write_prerequisites(changed, ids)
        _write_checkpoints(changed, ids, changed_ids)
        _write_ledger(changed, ids, changed_ids, now)


def _write_topics(changed: list[Parsed], ids: dict[str, int]) -> None:
    names = {name for item in changed for name in item.front.values.get("topics", [])}
    by_slug = {slugify(name) or name.lower(): name for name in sorted(names)}
    Topic.objects.bulk_create(
        [Topic(slug=slug, name=name) for slug, name in by_slug.items()], ignore_conflicts=True
    )
    topic_ids = dict(Topic.objects.filter(slug__in=by_slug).values_list("slug", "id"))
    through = Module.topics.through
    through.objects.filter(module_id__in=[ids[item.slug] for item in changed]).delete()
    rows = {
        (ids[item.slug], topic_ids[slugify(name) or name.lower()])
        for item in changed
        for name in item.front.values.get("topics", [])
    }
    through.objects.bulk_create(
        [through(module_id=module_id, topic_id=topic_id) for module_id, topic_id in sorted(rows)],
        batch_size=1000,
    )


def _write_prerequisites(changed: list[Parsed], ids: dict[str, int]) -> None:
    through = Module.prerequisites.through
    through.objects.filter(from_module_id__in=[ids[item.slug] for item in changed]).delete()
    through.objects.bulk_create(
        [
            through(from_module_id=ids[item.slug], to_module_id=ids[slug])
            for item in changed
            for slug in item.prerequisites
        ],
        batch_size=1000,
    )


def _write_checkpoints(changed: list[Parsed], ids: dict[str, int], changed_ids: list[int]) -> None:
    current: dict[tuple[int, str], Checkpoint] = {
        (checkpoint.module_id, checkpoint.key): checkpoint
        for checkpoint in Checkpoint.objects.filter(module_id__in=changed_ids)
    }
    creates, updates = [], []
    for item in changed:
        module_id = ids[item.slug]
        assert item.facts is not None
        for position, spec in enumerate(item.facts.checkpoints):
            html = spec.html
            checkpoint = current.pop((module_id, spec.key), None)
            if checkpoint is None:
                creates.append(
                    Checkpoint(
                        module_id=module_id,
                        key=spec.key,
                        text=spec.text,
                        html=html,
                        position=position,
                        requires_ledger=spec.requires_ledger,
                    )
                )
            elif (
                checkpoint.text,
                checkpoint.html,
                checkpoint.position,
                checkpoint.retired,
                checkpoint.requires_ledger,
            ) != (spec.text, html, position, False, spec.requires_ledger):
                checkpoint.text, checkpoint.html = spec.text, html
                checkpoint.position, checkpoint.retired = position, False
                checkpoint.requires_ledger = spec.requires_ledger
                updates.append(checkpoint)
    # What is left was removed from its file: retire it, so learners' ticks keep their target.
    for checkpoint in current.values():
        if not checkpoint.retired:
            checkpoint.retired = True
            updates.append(checkpoint)
    Checkpoint.objects.bulk_create(creates, batch_size=1000)
    Checkpoint.objects.bulk_update(
        updates, ["text", "html", "position", "retired", "requires_ledger"], batch_size=500
    )


LEDGER_FIELDS = ["kind", "section", "text", "html", "position", "retired_at"]


def _write_ledger(changed: list[Parsed], ids: dict[str, int], changed_ids: list[int], now) -> None:
    """Like checkpoints: matched by key, updated in place, retired (never deleted) when gone."""
    current: dict[tuple[int, str], LedgerItem] = {
        (item.module_id, item.key): item
        for item in LedgerItem.objects.filter(module_id__in=changed_ids)
    }
    creates, updates = [], []
    for parsed in changed:
        module_id = ids[parsed.slug]
        assert parsed.facts is not None
        for position, spec in enumerate(parsed.facts.ledger):
            values = {
                "kind": spec.kind,
                "section": spec.section,
                "text": spec.text,
                "html": spec.html,
                "position": position,
                "retired_at": None,
            }
            item = current.pop((module_id, spec.key), None)
            if item is None:
                creates.append(LedgerItem(module_id=module_id, key=spec.key, **values))
            elif any(getattr(item, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(item, name, value)
                updates.append(item)
    for item in current.values():
        if item.retired_at is None:
            item.retired_at = now
            updates.append(item)
    LedgerItem.objects.bulk_create(creates, batch_size=1000)
    LedgerItem.objects.bulk_update(updates, LEDGER_FIELDS, batch_size=500)


# --- helpers ---------------------------------------------------------------------------------


def _existing_modules() -> dict[str, dict]:
    """Every stored module by slug, with its prerequisites' slugs: two queries."""
    if Module._meta.db_table not in connection.introspection.table_names():
        return {}  # `--check` on a database that was never migrated
    rows = {
        row["slug"]: {**row, "prerequisites": []}
        for row in Module.objects.values("id", "slug", "source", "content_hash", "retired_at")
    }
    edges = Module.prerequisites.through.objects.values_list("from_module__slug", "to_module__slug")
    for source, target in edges:
        rows[source]["prerequisites"].append(target)
    return rows


def _stored_source(path: Path) -> str:
    try:
        return path.relative_to(Path(settings.BASE_DIR).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _absolute_source(source: str) -> Path:
    path = Path(source)
    return path if path.is_absolute() else Path(settings.BASE_DIR).resolve() / path


def _display(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _humanize(file: SourceFile) -> str:
    slug = derived_slug_candidates(file)[0]
    words = slug.replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else file.path.stem
