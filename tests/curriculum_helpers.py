"""Helpers for tests that write module files and run the loader on them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from curriculum.models import Checkpoint, Module, ModuleList, ModuleListItem, Topic


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def load(*paths: Path | str, check: bool = False) -> Run:
    """Run `load_curriculum` as the command line would, returning its exit status and output."""
    stdout, stderr = io.StringIO(), io.StringIO()
    args = [str(path) for path in paths] + (["--check"] if check else [])
    try:
        call_command("load_curriculum", *args, stdout=stdout, stderr=stderr)
    except CommandError as error:
        stderr.write(f"CommandError: {error}\n")
        return Run(error.returncode, stdout.getvalue(), stderr.getvalue())
    return Run(0, stdout.getvalue(), stderr.getvalue())


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def module_file(
    slug: str, *, title: str | None = None, prerequisites=(), extra: str = "", body: str = ""
) -> str:
    lines = [
        "---",
        f"slug: {slug}",
        f"title: {title or slug.replace('-', ' ').title()}",
        "hours: 2",
    ]
    if prerequisites:
        lines.append(f"prerequisites: [{', '.join(prerequisites)}]")
    if extra:
        lines.append(extra)
    lines.append("---")
    return (
        "\n".join(lines)
        + "\n"
        + (body or f"# {slug}\n\nAbout {slug}.\n\n- [ ] Do the first thing\n")
    )


def snapshot() -> tuple:
    """Everything the loader may write, to compare before and after a failed run."""
    return (
        list(Module.objects.order_by("slug").values()),
        list(Checkpoint.objects.order_by("id").values()),
        list(Topic.objects.order_by("id").values()),
        list(Module.prerequisites.through.objects.order_by("id").values()),
        list(Module.topics.through.objects.order_by("id").values()),
        list(ModuleList.objects.order_by("id").values()),
        list(ModuleListItem.objects.order_by("id").values()),
    )
