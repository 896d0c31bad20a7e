"""Signed unsubscribe links: the link itself is the credential, so it works without logging in
(and from a mail client's one-click POST, which carries no cookies)."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from config.site import absolute_url
from learners.models import User

SALT = "learners.weekly.unsubscribe"
# The mentor digest's links are signed apart: one email's link can't stop the other email.
DIGEST_SALT = "learners.weekly.unsubscribe.digest"


def unsubscribe_token(learner: User, salt: str = SALT) -> str:
    # No timestamp and no expiry: an unsubscribe link in a months-old email must still work,
    # and the same learner always gets the same link.
    return signing.Signer(salt=salt).sign_object(learner.pk)


def learner_id_for(token: str, salt: str = SALT) -> int | None:
    """The learner id a token was signed for, or None for anything forged or mangled."""
    try:
        value = signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unsubscribe_url(learner: User) -> str:
    return absolute_url(reverse("weekly_unsubscribe", args=[unsubscribe_token(learner)]))


def digest_unsubscribe_url(mentor: User) -> str:
    token = unsubscribe_token(mentor, DIGEST_SALT)
    return absolute_url(reverse("digest_unsubscribe", args=[token]))
