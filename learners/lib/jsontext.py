"""Text in JSON that nothing downstream can take.

JSON may escape an unpaired surrogate (`"\\ud800"`), and Python decodes it into a string that
no UTF-8 database, page, file or hash can hold: every later step would fail on it with a 500.
Documents from outside (the runs API, an imported export) are checked for one when parsed.
"""

from __future__ import annotations

import re

SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(data) -> str | None:
    """The path (`config.optim[2]`) of the first string or key holding an unpaired surrogate,
    "" for the document itself, or None when there is none. Iterative: documents may be deep."""
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if SURROGATE.search(node):
                return path
        elif isinstance(node, dict):
            for key, child in node.items():
                if isinstance(key, str) and SURROGATE.search(key):
                    return path or "a key"
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(node, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(node))
    return None
