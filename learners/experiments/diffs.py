"""A unified diff (`git diff` output) split into files and classified lines, for reading.

The text stays text: templates escape every line, and the classes (`diff-add`, `diff-del`,
`diff-hunk`, `diff-meta`, `diff-context`) do the colouring, with a +/− sign kept in the line so
colour is never the only cue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FILE_HEADER = re.compile(r"^diff --git a/(?P<a>.*?) b/(?P<b>.*)$")
_HUNK = re.compile(r"^@@ -(?P<old>\d+)(?:,\d+)? \+(?P<new>\d+)(?:,\d+)? @@")


@dataclass
class DiffLine:
    kind: str  # add, del, hunk, meta, context
    text: str
    old: int | None = None  # line numbers, where they apply
    new: int | None = None

    @property
    def css(self) -> str:
        return f"diff-{self.kind}"


@dataclass
class DiffFile:
    path: str
    lines: list[DiffLine] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    status: str = "modified"  # modified, added, deleted, renamed, binary


def parse(text: str) -> list[DiffFile]:
    """Files of a unified diff. Text before the first file header becomes a file named ''."""
    files: list[DiffFile] = []
    current: DiffFile | None = None
    old = new = 0
    for raw in text.splitlines():
        header = _FILE_HEADER.match(raw)
        if header:
            current = DiffFile(path=header["b"])
            if header["a"] != header["b"]:
                current.status = "renamed"
                current.path = f"{header['a']} → {header['b']}"
            files.append(current)
            current.lines.append(DiffLine("meta", raw))
            continue
        if current is None:
            current = DiffFile(path="")
            files.append(current)
        hunk = _HUNK.match(raw)
        if hunk:
            old, new = int(hunk["old"]), int(hunk["new"])
            current.lines.append(DiffLine("hunk", raw))
        elif raw.startswith(("+++ ", "--- ")) and not current.added + current.removed:
            current.lines.append(DiffLine("meta", raw))
        elif raw.startswith("+"):
            current.lines.append(DiffLine("add", raw, new=new))
            current.added += 1
            new += 1
        elif raw.startswith("-"):
            current.lines.append(DiffLine("del", raw, old=old))
            current.removed += 1
            old += 1
        elif raw.startswith(" "):
            current.lines.append(DiffLine("context", raw, old=old, new=new))
            old += 1
            new += 1
        else:
            if raw.startswith("new file mode"):
                current.status = "added"
            elif raw.startswith("deleted file mode"):
                current.status = "deleted"
            elif raw.startswith("Binary files"):
                current.status = "binary"
            current.lines.append(DiffLine("meta", raw))
    return files
