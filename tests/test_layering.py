"""The map in docs/architecture.md, held against the code: imports flow one way.

Every import in learners/ and curriculum/ (including the ones inside functions) is read with
`ast`, and each must point to its own layer or one below it. A newcomer who adds an import that
runs back up — a write that imports the dashboard to answer, a helper in lib/ that reaches for a
model — sees this test fail with the file, the line and the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

# Lowest first. A package may import its own layer and the ones below, never one above.
LAYERS = {
    "learners.lib": 0,
    "learners.models": 1,
    "learners.web": 1,
    "learners.accounts": 2,
    "learners.plans": 2,
    "learners.study": 3,
    "learners.record": 3,
    "learners.experiments": 3,
    "learners.review": 3,
    "learners.mentors": 3,
    "learners.papers": 3,
    "learners.weekly": 4,
    "learners.dashboard": 5,
}
# The wiring at the top of the house: URL includes, app start-up (it registers the pages'
# fragments), the admin, the demo seeder and its command. They may import anything.
WIRING = {
    "learners",
    "learners.apps",
    "learners.urls",
    "learners.admin",
    "learners.demo",
    "learners.management",
    "learners.templatetags",
    "learners.migrations",
}
TOP_LEVEL_LIMIT = 8


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, wherever it stands."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in {"learners", "curriculum"}:
                # `from learners import models` names a module of the package.
                found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def area(name: str) -> str | None:
    """The layer-table entry (or wiring entry) a dotted module name belongs to."""
    parts = name.split(".")
    for size in (2, 1):
        prefix = ".".join(parts[:size])
        if prefix in LAYERS or prefix in WIRING:
            return prefix
    return None


def source_files(folder: str) -> list[Path]:
    return sorted(path for path in (REPO / folder).rglob("*.py") if "migrations" not in path.parts)


def problems_in(path: Path, source: str | None = None) -> list[str]:
    importer = area(module_name(path))
    in_curriculum = path.is_relative_to(REPO / "curriculum")
    problems = []
    for line, imported in imports_of(path, source):
        where = f"{path.relative_to(REPO)}:{line} imports {imported}"
        top = imported.split(".")[0]
        if in_curriculum:
            if top == "learners":
                problems.append(
                    f"{where}: curriculum/ is below learners/ and imports nothing from it"
                )
            continue
        if importer == "learners.lib":
            if top in {"learners", "curriculum", "config"} and area(imported) != "learners.lib":
                problems.append(f"{where}: lib/ imports nothing from the rest of the project")
            continue
        if top != "learners" or importer not in LAYERS:
            continue
        target = area(imported)
        if target in WIRING:
            problems.append(f"{where}: only the wiring imports the wiring")
        elif LAYERS[target] > LAYERS[importer]:
            problems.append(f"{where}: {importer} may not import the higher {target}")
    return problems


def violations() -> list[str]:
    return [
        problem
        for folder in ("learners", "curriculum")
        for path in source_files(folder)
        for problem in problems_in(path)
    ]


def test_every_import_in_learners_and_curriculum_points_down_or_sideways():
    assert violations() == []


def test_every_package_in_learners_is_placed_on_the_map():
    packages = {
        module_name(path.parent)
        for path in (REPO / "learners").rglob("__init__.py")
        if "migrations" not in path.parts and path.parent.parent == REPO / "learners"
    }
    unplaced = {p for p in packages if p not in LAYERS and p not in WIRING}
    assert unplaced == set(), "add each new folder to LAYERS and to docs/architecture.md"


def test_the_top_of_learners_holds_only_a_few_files():
    files = sorted(p.name for p in (REPO / "learners").iterdir() if p.suffix == ".py")
    assert len(files) <= TOP_LEVEL_LIMIT, files


@pytest.mark.parametrize("folder", ["learners", "curriculum", "templates"])
def test_no_file_repeats_its_folders_name_as_a_prefix(folder):
    repeats = []
    for path in (REPO / folder).rglob("*"):
        if not path.is_file() or "migrations" in path.parts or "content" in path.parts:
            continue
        stem = path.name.lstrip("_")
        singular = path.parent.name.rstrip("s")
        if stem.startswith((f"{path.parent.name}_", f"{singular}_", f"{path.parent.name}.")):
            repeats.append(str(path.relative_to(REPO)))
    assert repeats == []


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("learners/lib/probe.py", "from learners.models import User\n"),
        ("learners/lib/probe.py", "def f():\n    from curriculum.models import Module\n"),
        ("learners/record/probe.py", "from learners.dashboard.board import build_dashboard\n"),
        ("learners/study/probe.py", "from learners import dashboard\n"),
        ("learners/plans/probe.py", "from learners.study.panel import build_module_panel\n"),
        ("learners/web/probe.py", "from learners.urls import urlpatterns\n"),
        ("curriculum/probe.py", "def f():\n    from learners.study.panel import build\n"),
    ],
)
def test_the_walk_reports_an_import_that_runs_back_up(path, source):
    """The rule itself must be able to fail: each of these imports is refused, with its line."""
    problems = problems_in(REPO / path, source)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{source.count(chr(10))}")
