"""Access cases for the weekly email's URLs (see tests/access_cases.py).

- The preview and the email's own document are the requesting learner's own (staff who may view
  accounts, `learners.view_user`, may add `?learner=<id>`; tests/test_weekly_preview.py tries
  that as owner, staff with and without the permission and another learner, and
  tests/test_security_access.py's walk as both staff roles).
- The unsubscribe links (the weekly email's, the mentor digest's) need no login: its signed token is the credential (tried with forged
  and mangled tokens in tests/test_weekly_email.py).
"""

from __future__ import annotations

from learners.models import User
from learners.weekly.models import WeeklyEmail, WeeklySchedule
from learners.weekly.tokens import DIGEST_SALT, unsubscribe_token
from tests.access_cases import Case

CASES: dict[str, Case] = {
    "weekly_preview": Case("own"),
    "weekly_preview_body": Case("own"),
    "weekly_unsubscribe": Case("token", args=("weekly_unsubscribe_token",)),
    # The mentor digest's own link (tests/test_mentor_emails.py tries forged tokens and the
    # weekly email's token on it).
    "digest_unsubscribe": Case("token", args=("digest_unsubscribe_token",)),
}


def extend_world(world) -> dict:
    return {
        "weekly_unsubscribe_token": unsubscribe_token(world["alice"]),
        "digest_unsubscribe_token": unsubscribe_token(world["alice"], DIGEST_SALT),
    }


def owners_rows(world) -> list:
    alice = world["alice"]
    return [
        list(User.objects.filter(pk=alice.pk).values("weekly_email", "mentor_digest")),
        list(WeeklySchedule.objects.filter(learner=alice).values()),
        list(WeeklyEmail.objects.filter(learner=alice).values()),
    ]
