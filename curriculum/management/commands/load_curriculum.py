from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from curriculum.loader import load_curriculum
from curriculum.problems import CurriculumError


class Command(BaseCommand):
    help = (
        "Load module markdown files into the catalogue: all or nothing, incremental. "
        "Without PATH, loads the project's own curriculum/content/ folder."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
        parser.add_argument(
            "--check", action="store_true", help="validate only; write nothing (for authors' CI)"
        )

    def handle(self, *args, paths: list[Path], check: bool, **options) -> None:
        try:
            report = load_curriculum(paths or None, check=check)
        except CurriculumError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            count = len(error.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found; nothing was written.",
                returncode=1,
            ) from None
        if check:
            self.stdout.write(f"OK, nothing written. A load would give: {report.summary()}")
        else:
            self.stdout.write(report.summary())
