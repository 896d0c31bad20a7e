"""Forms that ask a logged-in learner for their password (delete the account, change the
password) count wrong answers like failed logins: whoever holds a stolen session can't use
them to guess the password at full speed, and the owner waits at most 30 seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from learners.accounts.throttle import ACCOUNT_LIMIT, ACCOUNT_SPACING
from learners.models import LoginFailure, User

pytestmark = pytest.mark.django_db

RIGHT = "a-long-password-123"  # tests/factories.py
NOW = datetime(2026, 3, 11, 12, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def delete(client, password):
    return client.post("/account/data/delete/", {"password": password})


def change(client, old, new="another-long-password-456"):
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    return client.post("/password/change/", data)


@pytest.mark.parametrize("send", [delete, change], ids=["delete account", "change password"])
def test_wrong_passwords_slow_down_the_next_try_even_the_right_one(client, alice, clock, send):
    client.force_login(alice)
    for _ in range(ACCOUNT_LIMIT):
        response = send(client, "guess")
        assert response.status_code in {200, 422}
        assert "Too many wrong passwords" not in response.text
    refused = send(client, RIGHT)
    assert "Too many wrong passwords: wait 30 seconds" in refused.text
    alice.refresh_from_db()
    assert alice.check_password(RIGHT) and User.objects.filter(pk=alice.pk).exists()

    clock.shift(ACCOUNT_SPACING + timedelta(seconds=1))
    assert send(client, RIGHT).status_code == 302
    assert not LoginFailure.objects.exists()  # the owner proved it: the count starts over


def test_the_login_form_counts_the_same_failures(client, alice, clock):
    # One budget per account, whichever form the guesses come through.
    client.force_login(alice)
    for _ in range(ACCOUNT_LIMIT):
        delete(client, "guess")
    client.logout()
    response = client.post("/login/", {"username": alice.email, "password": RIGHT})
    assert response.status_code == 429


def test_a_right_password_first_time_records_nothing(client, alice, clock):
    client.force_login(alice)
    assert change(client, RIGHT).status_code == 302
    assert not LoginFailure.objects.exists()
