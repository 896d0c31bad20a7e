"""Logins, end to end through the real forms: password rules wherever a password is set (sign
up, change, reset), a new session on every login, and sessions that end — on logout for that
browser, on a password change or reset for every other browser — so a stolen cookie stops
working. Two (or three) independent clients stand for the learner's devices and an attacker
holding an old cookie. The login throttle's rules are tested in tests/test_login_throttle.py;
here, that it answers a guessing script on the real endpoint."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from learners.accounts.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT
from learners.models import User

pytestmark = pytest.mark.django_db

EMAIL = "alice@example.com"
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-whole-new-passphrase"

# (password, what the page says): one per validator in settings.AUTH_PASSWORD_VALIDATORS.
WEAK = [
    ("horse-12", "too short"),  # MinimumLengthValidator, 10
    ("password123", "too common"),  # CommonPasswordValidator
    ("qwertyuiop", "too common"),
    ("4815162342108", "entirely numeric"),  # NumericPasswordValidator
    ("alice@example.com", "too similar"),  # UserAttributeSimilarityValidator
]


@pytest.fixture
def alice():
    return User.objects.create_user(EMAIL, PASSWORD)


def log_in(client: Client, password: str = PASSWORD, email: str = EMAIL):
    return client.post("/login/", {"username": email, "password": password})


def session_key(client: Client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie and cookie.value else None


def is_logged_in(client: Client) -> bool:
    response = client.get("/settings/")
    return response.status_code == 200


def with_cookie(key: str) -> Client:
    """A browser that presents an old session cookie, as a thief who copied it would."""
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = key
    return thief


def can_log_in(password: str) -> bool:
    browser = Client()
    log_in(browser, password)
    return SESSION_KEY in browser.session


# --- password rules -------------------------------------------------------------------------------


def test_every_password_validator_is_configured():
    names = [rule["NAME"].rsplit(".", 1)[-1] for rule in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    length = settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"]
    assert length >= 10


@pytest.mark.parametrize(("password", "complaint"), WEAK)
def test_signup_refuses_each_weak_password_and_makes_no_account(client, password, complaint):
    response = client.post(
        "/signup/", {"email": EMAIL, "password1": password, "password2": password}
    )
    assert response.status_code == 200
    assert complaint in response.text
    assert not User.objects.exists()
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(("password", "complaint"), WEAK)
def test_password_change_refuses_each_weak_password_and_keeps_the_old_one(
    client, alice, password, complaint
):
    log_in(client)
    response = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert complaint in response.text
    assert can_log_in(PASSWORD)
    assert not can_log_in(password)


@pytest.mark.parametrize(("password", "complaint"), WEAK)
def test_a_reset_refuses_each_weak_password_and_keeps_the_old_one(
    client, alice, password, complaint
):
    set_password = reset_form(client)
    response = client.post(set_password, {"new_password1": password, "new_password2": password})
    assert complaint in response.text
    assert can_log_in(PASSWORD)


def reset_form(client: Client) -> str:
    """Ask for a reset, follow the emailed link: the URL of the set-password form."""
    mail.outbox.clear()
    client.post("/password/reset/", {"email": EMAIL})
    (link,) = re.findall(r"https?://\S+", mail.outbox[-1].body)
    response = client.get(urlsplit(link).path)
    assert response.status_code == 302  # Django moves the token into the session
    return response["Location"]


# --- a new session on every login -----------------------------------------------------------------


def test_logging_in_through_the_form_replaces_the_visitors_session(client, alice):
    """Session fixation: a session planted before login (a visitor's, or an attacker's) is
    gone afterwards, not promoted to alice's."""
    before = client.session
    before["planted"] = "before login"
    before.save()
    planted = before.session_key

    log_in(client)

    assert session_key(client) not in {None, planted}
    assert not Session.objects.filter(session_key=planted).exists()
    assert not is_logged_in(with_cookie(planted))
    assert is_logged_in(client)


def test_signing_up_starts_a_new_session_too(client):
    before = client.session
    before["planted"] = "before signup"
    before.save()
    planted = before.session_key
    client.post("/signup/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD})
    assert is_logged_in(client)
    assert session_key(client) != planted
    assert not is_logged_in(with_cookie(planted))


def test_two_logins_are_two_sessions(alice):
    laptop, phone = Client(), Client()
    log_in(laptop)
    log_in(phone)
    assert session_key(laptop) != session_key(phone)
    assert is_logged_in(laptop) and is_logged_in(phone)


# --- sessions that end ----------------------------------------------------------------------------


def test_logging_out_ends_that_session_for_good(alice):
    laptop, phone = Client(), Client()
    log_in(laptop)
    log_in(phone)
    old = session_key(laptop)

    laptop.post("/logout/")

    assert not is_logged_in(laptop)
    assert not Session.objects.filter(session_key=old).exists()
    assert not is_logged_in(with_cookie(old))  # a copied cookie no longer works
    # Logging out one device is not logging out all of them: the phone still works.
    assert is_logged_in(phone)


def test_changing_the_password_ends_every_other_session(alice):
    laptop, phone = Client(), Client()
    log_in(laptop)
    log_in(phone)
    stolen = session_key(phone)
    laptop_before = session_key(laptop)

    response = laptop.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert is_logged_in(laptop)  # the browser that changed it stays in, on a new session key
    assert session_key(laptop) != laptop_before
    assert not is_logged_in(with_cookie(laptop_before))
    assert not is_logged_in(phone)
    assert not is_logged_in(with_cookie(stolen))
    # Logging in again on the phone needs the new password.
    assert can_log_in(NEW_PASSWORD)
    assert not can_log_in(PASSWORD)


def test_a_password_reset_ends_every_session(alice):
    laptop, phone = Client(), Client()
    log_in(laptop)
    log_in(phone)
    anyone = Client()
    set_password = reset_form(anyone)

    anyone.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)
    assert can_log_in(NEW_PASSWORD)


def test_deactivating_an_account_ends_its_sessions(alice):
    laptop = Client()
    log_in(laptop)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert not is_logged_in(laptop)


def test_deleting_the_account_ends_every_session(alice):
    laptop, phone = Client(), Client()
    log_in(laptop)
    log_in(phone)
    laptop.post("/account/data/delete/", {"password": PASSWORD})
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)


# --- guessing, on the real endpoint ---------------------------------------------------------------


def test_guessing_scripts_are_slowed_per_account_and_stopped_per_address(alice):
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    guesser = Client(REMOTE_ADDR="192.0.2.44")
    with time_machine.travel(start, tick=False):
        # One address trying one password on many accounts: stopped by the address rule.
        sprayed = [
            log_in(sprayer, email=f"user{n}@example.com", password="Summer2026!").status_code
            for n in range(ADDRESS_LIMIT + 1)
        ]
        assert sprayed == [200] * ADDRESS_LIMIT + [429]
        # Many passwords on one account: the account's allowance, then a wait (429 with
        # Retry-After) in which nothing is checked, not even the right password.
        guesses = [log_in(guesser, password=f"guess-{n}") for n in range(ACCOUNT_LIMIT + 1)]
        assert [r.status_code for r in guesses] == [200] * ACCOUNT_LIMIT + [429]
        assert int(guesses[-1]["Retry-After"]) > 0
        assert log_in(guesser, password=PASSWORD).status_code == 429
    # Half a minute later alice logs in from her own address: slowed, never locked out.
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        laptop = Client(REMOTE_ADDR="198.51.100.7")
        assert log_in(laptop).status_code == 302
        assert is_logged_in(laptop)
        # The spraying address is still refused, whatever account it tries.
        assert log_in(sprayer).status_code == 429
