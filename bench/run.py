"""Run benchmarks and print their numbers: `python bench/run.py [name …]` (default: all).

A benchmark is any `bench/<name>.py` (other than this file and `_*.py` helpers) that defines
`run() -> None`; its name is the file name. To add one, drop the file in: nothing to register.

Django is set up once, before any benchmark is imported. DATABASE_URL picks the database
*server*: unset or `sqlite:` means throwaway SQLite files in a temporary folder (the configured
file is never touched); `postgres://…` means PostgreSQL, where each benchmark creates and drops
its own databases, so the configured database is never written either:

    .venv/bin/python bench/run.py loader
    bin/with-postgres .venv/bin/python bench/run.py loader

Timings are ratios against a baseline measured in the same run; write each run's numbers down in
bench/RESULTS.md. None of this belongs in the test suite.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# `python bench/run.py` puts bench/ first on sys.path, where bench/markdown.py or the like would
# shadow real packages; import benchmarks as `bench.<name>` from the project root instead.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))


def available() -> list[str]:
    return sorted(
        path.stem
        for path in BENCH_DIR.glob("*.py")
        if path.stem != "run" and not path.stem.startswith("_")
    )


def main(argv: list[str]) -> int:
    names = available()
    if any(arg in {"-h", "--help"} for arg in argv):
        print(__doc__)
        print("benchmarks:", ", ".join(names))
        return 0
    unknown = [name for name in argv if name not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names)}")
        return 2

    from bench import _support

    _support.setup_django()
    print(_support.describe_machine())
    for name in argv or names:
        module = importlib.import_module(f"bench.{name}")
        if not callable(getattr(module, "run", None)):
            print(f"bench/{name}.py has no run() function")
            return 2
        print(f"\n=== {name} ===")
        started = time.perf_counter()
        module.run()
        print(f"=== {name}: {time.perf_counter() - started:.1f} s in all ===")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
