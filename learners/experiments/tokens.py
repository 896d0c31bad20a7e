"""API tokens: made, recognised, revoked and rate-limited.

A token is `trj_` followed by 43 characters of `secrets.token_urlsafe(32)` (32 random bytes):
the prefix makes a leaked token recognisable to secret scanners and to its owner, the random
part makes guessing hopeless. Only the sha256 of the whole token is stored, plus its first
characters so the owner can tell tokens apart; the token itself is shown once, when made.

The rate limit is a fixed window per token, counted in the token's own row with one
conditional UPDATE, so it holds across gunicorn workers and machines (a per-process cache
would give each worker its own budget).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from learners.experiments.models import ApiToken
from learners.web.pagecache import touch

TOKEN_PREFIX = "trj_"  # noqa: S105 — a public marker, not a secret
TOKEN_BYTES = 32
SHOWN_PREFIX = 12  # "trj_" and 8 random characters: enough to tell a learner's tokens apart
MAX_ACTIVE_TOKENS = 20  # per learner; a machine per token is plenty, and revoking is one click

# 60 requests a minute per token: a training script logs a run (one request) when it ends,
# and flushing a spool of queued runs sends one request per run. Documented in docs/api.md.
RATE_LIMIT = 60
RATE_WINDOW = timedelta(minutes=1)


class TokenLimitReached(Exception):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(learner, name: str) -> tuple[ApiToken, str]:
    """A new token for `learner`: the saved row and the token in clear, to show once."""
    if ApiToken.objects.filter(learner=learner).active().count() >= MAX_ACTIVE_TOKENS:
        raise TokenLimitReached(
            f"You have {MAX_ACTIVE_TOKENS} active tokens: revoke one you no longer use first."
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken.objects.create(
        learner=learner, name=name, prefix=token[:SHOWN_PREFIX], token_hash=hash_token(token)
    )
    return row, token


def revoke(token: ApiToken) -> bool:
    """Revoke `token`; False if it already was (the first revocation's time is kept)."""
    now = timezone.now()
    done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if done:
        token.revoked_at = now
        touch(token.learner_id)
    return bool(done)


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or " " in credentials:
        return None
    return credentials


def find_token(token: str) -> ApiToken | None:
    """The active token row whose hash matches `token`, with its learner, or None.

    No constant-time comparison is needed: we never compare the presented token with a stored
    secret. We look up the sha256 of what was presented, and how long that lookup takes can at
    most reveal something about hashes an attacker already computed — it cannot lead them
    towards a stored token, since finding a preimage of a 256-bit hash is infeasible.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return (
        ApiToken.objects.active()
        .filter(token_hash=hash_token(token), learner__is_active=True)
        .select_related("learner")
        .first()
    )


@dataclass(frozen=True)
class Throttled:
    retry_after: int  # seconds, for the Retry-After header


def window_start(now: datetime) -> datetime:
    """The start of the fixed window `now` falls in (whole minutes, in UTC)."""
    seconds = RATE_WINDOW.total_seconds()
    epoch = now.timestamp()
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def spend(token: ApiToken, *, now: datetime | None = None) -> Throttled | None:
    """Count one request against `token`'s window and mark it used; Throttled when over.

    One UPDATE does it all, whatever process runs it: in a new window the count restarts at
    1; in the current one it goes up by one only while it is below the limit. The database
    runs concurrent UPDATEs of one row one after the other, re-checking the condition, so
    RATE_LIMIT requests get through per window and never more (on PostgreSQL, a waiting
    UPDATE re-reads the row the first one committed; SQLite has one writer at a time).
    """
    now = now or timezone.now()
    current = window_start(now)
    counted = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(
            Q(window_started_at__isnull=True)
            | ~Q(window_started_at=current)
            | Q(window_count__lt=RATE_LIMIT)
        )
        .update(
            # Both expressions read the row as it was before this UPDATE.
            window_count=Case(
                When(window_started_at=current, then=F("window_count") + 1), default=Value(1)
            ),
            window_started_at=current,
            last_used_at=now,
        )
    )
    if counted:
        return None
    wait = (current + RATE_WINDOW - now).total_seconds()
    return Throttled(retry_after=max(1, math.ceil(wait)))
