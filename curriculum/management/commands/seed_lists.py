from __future__ import annotations

from django.core.management.base import BaseCommand

from curriculum.seed import seed_lists


class Command(BaseCommand):
    help = "Create the module lists Trajectory ships with, if they don't exist yet."

    def handle(self, *args, **options) -> None:
        for slug, outcome in seed_lists():
            self.stdout.write(f"{slug}: {outcome}")
