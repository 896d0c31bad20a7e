"""Login rate limiting: slow password guessing down without locking the real owner out.

The rules count `LoginFailure` rows from the last 15 minutes:

- **per address**: 20 failures from one address refuse every further attempt from it until
  the oldest of those 20 ages out of the window. This stops one client spraying many accounts.
- **per account, from a new device**: once an email has 5 failures (from any address), an
  attempt from a browser that has never logged in to that account gets at most one try per
  30 seconds. A guesser gets ~30 tries in 15 minutes instead of thousands.
- **per account, from a known device**: a browser that has logged in to the account before
  carries a signed cookie (DEVICE_COOKIE, set at every successful login); its attempts are
  slowed only by its own failures (5, then one per 30 seconds), never by failures from
  elsewhere. So someone sending a wrong password every fraction of a second, which keeps a new
  device waiting for ever (the next free slot is always theirs), cannot keep the owner out.
- A new device during such an attack has another way in: the refusal says so, and the
  password reset email signs it in (and makes it a known device).

A refused attempt checks no password and records nothing, so hammering during the wait
neither gets guesses through nor extends the wait. Failures are keyed by the email as typed,
whether or not an account has it, so no rule tells a visitor which accounts exist; a device
cookie is only ever honoured for the account that set it.
"""

from __future__ import annotations

import ipaddress
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from learners.models import LoginFailure, User

WINDOW = timedelta(minutes=15)
ADDRESS_LIMIT = 20
ACCOUNT_LIMIT = 5
ACCOUNT_SPACING = timedelta(seconds=30)
KEEP = timedelta(hours=24)
EMAIL_MAX_LENGTH = 254  # LoginFailure.email
DEVICE_COOKIE = "trajectory_device"
DEVICE_MAX_AGE = timedelta(days=400)  # about as long as browsers keep a cookie
DEVICE_SALT = "trajectory.accounts.device"
# A client whose address we can't parse (a unix-socket peer, say) shares this one budget.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 (a placeholder value, not a bind address)


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused and how long until the next one would be considered."""

    seconds: int
    by_address: bool  # the address rule (else the account rule)


def client_address(request: HttpRequest | None) -> str:
    """The address to count failures against: the connecting peer, REMOTE_ADDR.

    X-Forwarded-For is written by the client, so a guesser could rotate it freely and dodge
    the per-address rule. Only behind our own proxy (BEHIND_PROXY=true), whose REMOTE_ADDR is
    the proxy's for everyone, do we read it — and then only its last entry, the one that
    proxy appended; whatever the client wrote comes before it.
    An IPv6 client is counted by its /64, since one host is routinely handed a whole /64
    and could otherwise take a fresh address for every attempt.
    """
    raw = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if request is not None else ""
    if settings.BEHIND_PROXY and forwarded.strip():
        raw = forwarded.split(",")[-1].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def normalize_email(email: str) -> str:
    """The key failures are counted under: the email as typed, trimmed and lowercased."""
    return email.strip().lower()[:EMAIL_MAX_LENGTH]


# --- known devices ------------------------------------------------------------------------


def device_for(request: HttpRequest | None, email: str) -> str:
    """The id of this browser if its device cookie was set by a login to `email`'s account,
    else "" (a new device). A forged, expired or other account's cookie is a new device."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "") if request is not None else ""
    if not raw:
        return ""
    try:
        user_pk, device = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return ""
    if not isinstance(user_pk, int) or not isinstance(device, str):
        return ""
    owner = User.objects.filter(pk=user_pk).values_list("email", flat=True).first()
    return device if owner is not None and owner == normalize_email(email) else ""


def remember_device(request: HttpRequest, response: HttpResponse, user) -> None:
    """After a successful login: this browser is a known device of `user`'s account (the
    same id as before if it already was)."""
    device = device_for(request, user.email) or secrets.token_hex(8)
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps([user.pk, device], salt=DEVICE_SALT),
        max_age=int(DEVICE_MAX_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- the rules ----------------------------------------------------------------------------


def refusal(
    email: str, address: str, *, device: str = "", now: datetime | None = None
) -> Refusal | None:
    """A `Refusal` if an attempt on `email` from `address` (by a known `device`, or a new
    one when "") must wait, else None."""
    now = now or timezone.now()
    recent = LoginFailure.objects.filter(at__gt=now - WINDOW)
    waits = []

    # The newest ADDRESS_LIMIT failures from the address: if there are that many, the
    # address may try again once the oldest of them leaves the window.
    from_address = list(
        recent.filter(address=address).order_by("-at").values_list("at", flat=True)[:ADDRESS_LIMIT]
    )
    if len(from_address) == ADDRESS_LIMIT:
        waits.append((from_address[-1] + WINDOW - now, True))

    # The newest ACCOUNT_LIMIT failures for the email (a known device: its own only): if
    # there are that many, the next attempt comes ACCOUNT_SPACING after the latest one.
    counted = recent.filter(email=email, **({"device": device} if device else {}))
    on_account = list(counted.order_by("-at").values_list("at", flat=True)[:ACCOUNT_LIMIT])
    if len(on_account) == ACCOUNT_LIMIT:
        waits.append((on_account[0] + ACCOUNT_SPACING - now, False))

    waits = [(wait, by_address) for wait, by_address in waits if wait > timedelta(0)]
    if not waits:
        return None
    wait, by_address = max(waits)
    return Refusal(seconds=math.ceil(wait.total_seconds()), by_address=by_address)


def count_failure(
    email: str, address: str, *, device: str = "", now: datetime | None = None
) -> LoginFailure:
    """Count one failed attempt, and prune what no rule will read again (cheap: `at` is indexed)."""
    now = now or timezone.now()
    prune(now=now)
    return LoginFailure.objects.create(email=email, address=address, device=device, at=now)


class Throttled(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal)
        self.refusal = refusal


def attempt(email: str, address: str, check: Callable[[], bool], *, device: str = "") -> bool:
    """Run one password `check` for `email` under the rules: `Throttled` while they say wait
    (checking nothing), else the check's answer (an exception from it counts as a failure).

    The failure is recorded before the (slow) check rather than after, so parallel guesses
    see it at once instead of all slipping through together; a success deletes it.
    """
    key = normalize_email(email)
    if (wait := refusal(key, address, device=device)) is not None:
        raise Throttled(wait)
    count_failure(key, address, device=device)
    if not check():
        return False
    clear(key)
    return True


def check_password(user, password: str, address: str, *, device: str = "") -> bool:
    """`user.check_password()`, counted like a login attempt: forms that ask a logged-in
    learner for their password (delete the account, change it) would otherwise let whoever
    holds a stolen session guess it at full speed."""
    return attempt(user.email, address, lambda: user.check_password(password), device=device)


def clear(email: str) -> None:
    """Forget an account's failures: its owner just proved they know the password."""
    LoginFailure.objects.filter(email=email).delete()


def prune(*, now: datetime | None = None) -> int:
    """Delete failures older than KEEP; returns how many went."""
    now = now or timezone.now()
    deleted, _ = LoginFailure.objects.filter(at__lt=now - KEEP).delete()
    return deleted
