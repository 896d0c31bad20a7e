from __future__ import annotations

from django.core.management.base import BaseCommand

from learners.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from learners.mentors.demo import MENTOR_EMAIL, MENTOR_PASSWORD


class Command(BaseCommand):
    help = "Create the demo learner (idempotent) and print how to log in."

    def handle(self, *args, **options) -> None:
        created = seed_demo()
        self.stdout.write(("Created" if created else "Kept") + " the demo learner.")
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"Their mentor: {MENTOR_EMAIL} / {MENTOR_PASSWORD}")
