"""The demo learner that `make run` shows a newcomer. Running it again duplicates nothing."""

from __future__ import annotations

from learners.models import User

DEMO_EMAIL = "demo@trajectory.example"
DEMO_PASSWORD = "trajectory-demo"  # noqa: S105 — printed on purpose; a local demo account


def seed_demo() -> bool:
    """Create the demo account if missing. Returns whether it was created."""
    user, created = User.objects.get_or_create(
        email=DEMO_EMAIL, defaults={"display_name": "Demo learner"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return created
