"""Signed unsubscribe links: the link itself is the credential, so it works without logging in
(and from a mail client's one-click POST, which carries no cookies)."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from config.site import absolute_url
from learners.models import User

SALT = "learners.weekly.unsubscribe"


def unsubscribe_token(learner: User) -> str:
    # No timestamp and no expiry: an unsubscribe link in a months-old email must still work,
    # and the same learner always gets the same link.
    return signing.Signer(salt=SALT).sign_object(learner.pk)


def learner_id_for(token: str) -> int | None:
    """The learner id a token was signed for, or None for anything forged or mangled."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unsubscribe_url(learner: User) -> str:

    return absolute_url(reverse("weekly_unsubscribe", args=[unsubscribe_token(learner)]))
