"""Ids read from requests: a number a database id column can hold, or nothing.

Django keeps an exact lookup with an out-of-range integer from reaching the database, but not
`__in` or a foreign key's exact lookup: SQLite raises OverflowError on anything past 64 bits
(a 500), while PostgreSQL answers. So every id a request names goes through `parse_id`.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # BigAutoField on SQLite and PostgreSQL


def parse_id(raw: str | None) -> int | None:
    """`raw` as an id (1 to MAX_ID, ASCII digits only), else None."""
    # isdigit() alone passes "²" and other digits int() refuses.
    if not raw or not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None
