"""Login rate limiting (learners/throttle.py): the account is slowed, the address is blocked,
the owner with the right password always gets in after a short wait. Time is frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.test import RequestFactory

from learners.accounts import throttle
from learners.models import LoginFailure, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


@pytest.fixture
def alice():
    return User.objects.create_user("alice@example.com", PASSWORD)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def failed_checks():
    """Every password check that failed (Django sends this signal from authenticate())."""
    seen = []

    def receiver(sender, credentials, **kwargs):
        seen.append(credentials["username"])

    user_login_failed.connect(receiver)
    yield seen
    user_login_failed.disconnect(receiver)


def attempt(client, email="alice@example.com", password=PASSWORD, address=HOME):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def fail(client, times, email="alice@example.com", address=HOME):
    for _ in range(times):
        response = attempt(client, email=email, password="wrong-password", address=address)
        assert response.status_code == 200, "an attempt was refused while setting up"


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


# --- through the login page ------------------------------------------------------------------


def test_five_failures_slow_the_account_and_say_how_long_to_wait(client, alice, frozen):
    fail(client, 5)
    frozen.shift(1)
    response = attempt(client)  # the right password, but too soon
    assert response.status_code == 429
    assert response["Retry-After"] == "29"
    assert "Wait 29 seconds, then try again." in response.text
    assert not logged_in(client)


def test_four_failures_do_not_slow_anything(client, alice, frozen):
    fail(client, 4)
    attempt(client)
    assert logged_in(client)


def test_after_waiting_30_seconds_the_right_password_logs_in(client, alice, frozen):
    fail(client, 5)
    frozen.shift(29)
    attempt(client)
    assert not logged_in(client)
    frozen.shift(1)
    attempt(client)
    assert logged_in(client)


def test_a_wrong_password_after_the_wait_starts_another_wait(client, alice, frozen):
    fail(client, 5)
    frozen.shift(30)
    assert attempt(client, password="still-wrong").status_code == 200
    frozen.shift(10)
    assert attempt(client).status_code == 429


def test_refused_attempts_check_no_password_and_record_nothing(
    client, alice, frozen, failed_checks
):
    fail(client, 5)
    assert len(failed_checks) == 5
    for password in ("wrong-password", PASSWORD):
        assert attempt(client, password=password).status_code == 429
    assert len(failed_checks) == 5
    assert LoginFailure.objects.count() == 5
    assert not logged_in(client)
    # Hammering during the wait did not extend it.
    frozen.shift(30)
    attempt(client)
    assert logged_in(client)


def test_the_slowdown_follows_the_account_from_any_address(client, alice, frozen):
    fail(client, 5, address=HOME)
    assert attempt(client, address=ELSEWHERE).status_code == 429


def test_the_slowdown_counts_only_the_last_15_minutes(client, alice, frozen):
    fail(client, 4)
    frozen.shift(timedelta(minutes=15))
    fail(client, 1)
    attempt(client)
    assert logged_in(client)


def test_twenty_failures_from_one_address_block_it_but_not_another_address(client, frozen):
    for n in range(20):  # spread over many accounts, so only the address rule applies
        fail(client, 1, email=f"guess{n}@example.com")
    blocked = attempt(client, email="someone@example.com", address=HOME)
    assert blocked.status_code == 429
    assert "Too many failed logins from your network. Try again in 15 minutes." in blocked.text

    bob = User.objects.create_user("bob@example.com", PASSWORD)
    attempt(client, email="bob@example.com", address=ELSEWHERE)
    assert client.session[SESSION_KEY] == str(bob.pk)


def test_a_blocked_address_may_try_again_once_its_oldest_failure_ages_out(client, alice, frozen):
    fail(client, 1, email="first@example.com")
    frozen.shift(timedelta(minutes=5))
    for n in range(19):
        fail(client, 1, email=f"guess{n}@example.com")
    assert attempt(client, address=HOME).status_code == 429
    frozen.shift(timedelta(minutes=10) - timedelta(seconds=1))
    response = attempt(client, address=HOME)
    assert response["Retry-After"] == "1"
    frozen.shift(1)
    attempt(client, address=HOME)
    assert logged_in(client)


def test_a_successful_login_clears_the_accounts_failures(client, alice, frozen):
    fail(client, 4, address=HOME)
    fail(client, 1, address=ELSEWHERE)
    LoginFailure.objects.create(email="other@example.com", address=HOME, at=NOW)
    frozen.shift(30)
    attempt(client)
    assert logged_in(client)
    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["other@example.com"]

    # So one more slip afterwards is not slowed.
    client.post("/logout/")
    fail(client, 1)
    attempt(client)
    assert logged_in(client)


def test_the_messages_do_not_tell_whether_an_account_exists(client, alice, frozen):
    fail(client, 5, email="alice@example.com")
    fail(client, 5, email="nobody@example.com", address=ELSEWHERE)
    real = attempt(client, email="alice@example.com")
    unknown = attempt(client, email="nobody@example.com", address=ELSEWHERE)
    assert real.status_code == unknown.status_code == 429
    message = "Too many failed logins for this email address. Wait 30 seconds, then try again."
    assert message in real.text
    assert message in unknown.text


def test_a_failure_records_the_email_lowercased_and_the_connecting_address(client, frozen):
    client.post(
        "/login/",
        {"username": "Mallory@Example.COM", "password": "guess-guess"},
        REMOTE_ADDR=HOME,
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    failure = LoginFailure.objects.get()
    assert (failure.email, failure.address, failure.at) == ("mallory@example.com", HOME, NOW)


def test_a_forged_forwarded_for_header_does_not_escape_the_address_block(client, frozen):
    for n in range(20):
        fail(client, 1, email=f"guess{n}@example.com")
    response = client.post(
        "/login/",
        {"username": "x@example.com", "password": "guess-guess"},
        REMOTE_ADDR=HOME,
        HTTP_X_FORWARDED_FOR="192.0.2.55",
    )
    assert response.status_code == 429


def test_an_empty_field_is_a_field_error_not_an_attempt(client, frozen):
    response = client.post("/login/", {"username": "alice@example.com", "password": ""})
    assert response.status_code == 200
    assert not LoginFailure.objects.exists()


# --- the functions themselves ----------------------------------------------------------------


def record(email, address, at, count=1):
    for _ in range(count):
        throttle.count_failure(email, address, now=at)


def test_refusal_is_none_for_a_clean_slate():
    assert throttle.refusal("alice@example.com", HOME, now=NOW) is None


def test_refusal_spaces_attempts_30_seconds_after_the_fifth_failure():
    record("alice@example.com", ELSEWHERE, NOW - timedelta(minutes=3), count=4)
    record("alice@example.com", HOME, NOW - timedelta(seconds=12))
    assert throttle.refusal("alice@example.com", HOME, now=NOW) == throttle.Refusal(
        seconds=18, by_address=False
    )
    assert throttle.refusal("alice@example.com", HOME, now=NOW + timedelta(seconds=18)) is None
    assert throttle.refusal("bob@example.com", HOME, now=NOW) is None


def test_refusal_rounds_a_partial_second_up():
    record("alice@example.com", HOME, NOW - timedelta(seconds=10, milliseconds=500), count=5)
    assert throttle.refusal("alice@example.com", HOME, now=NOW).seconds == 20


def test_refusal_blocks_an_address_until_the_oldest_of_its_last_20_failures_ages_out():
    record("a@example.com", HOME, NOW - timedelta(minutes=14), count=1)
    for n in range(19):
        record(f"g{n}@example.com", HOME, NOW - timedelta(minutes=1))
    refusal = throttle.refusal("new@example.com", HOME, now=NOW)
    assert refusal == throttle.Refusal(seconds=60, by_address=True)
    assert throttle.refusal("new@example.com", ELSEWHERE, now=NOW) is None
    assert throttle.refusal("new@example.com", HOME, now=NOW + timedelta(minutes=1)) is None


def test_refusal_reports_the_longer_wait_when_both_rules_apply():
    for n in range(15):
        record(f"g{n}@example.com", HOME, NOW - timedelta(minutes=10))
    record("alice@example.com", HOME, NOW - timedelta(seconds=5), count=5)
    assert throttle.refusal("alice@example.com", HOME, now=NOW) == throttle.Refusal(
        seconds=5 * 60, by_address=True
    )


def test_count_failure_prunes_rows_older_than_a_day():
    record("old@example.com", HOME, NOW - timedelta(hours=24, seconds=1))
    record("recent@example.com", HOME, NOW - timedelta(hours=23))
    record("new@example.com", HOME, NOW)
    assert sorted(LoginFailure.objects.values_list("email", flat=True)) == [
        "new@example.com",
        "recent@example.com",
    ]


def test_clear_forgets_only_that_accounts_failures():
    record("alice@example.com", HOME, NOW, count=3)
    record("bob@example.com", HOME, NOW)
    throttle.clear("alice@example.com")
    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["bob@example.com"]


@pytest.mark.parametrize(
    ("remote_addr", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::9", "2001:db8:1:2::"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", throttle.UNKNOWN_ADDRESS),
        ("unix:/run/gunicorn.sock", throttle.UNKNOWN_ADDRESS),
    ],
)
def test_client_address_is_remote_addr_with_ipv6_counted_by_its_64(remote_addr, counted_as):
    request = RequestFactory().post("/login/", REMOTE_ADDR=remote_addr)
    assert throttle.client_address(request) == counted_as


def test_normalize_email_trims_and_lowercases():
    assert throttle.normalize_email("  Alice@Example.COM ") == "alice@example.com"


def test_behind_our_proxy_the_address_is_the_one_the_proxy_appended(settings):
    settings.BEHIND_PROXY = True
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    # The client wrote 1.2.3.4; the proxy appended the real peer.
    assert throttle.client_address(request) == "203.0.113.9"


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.BEHIND_PROXY = False
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert throttle.client_address(request) == "198.51.100.7"


# --- an attacker can slow guessing, never lock the owner out ----------------------------------

ATTACKERS = ["198.51.100.21", "198.51.100.22", "198.51.100.23"]


def attack(frozen, seconds: float, owner=None, every: float = 5.0) -> list[float]:
    """Five wrong logins, then one wrong POST every 0.2 s from three rotating addresses for
    `seconds` (refusals are free to send). Every `every` seconds `owner()` tries the right
    password; returns the attack's seconds at which the owner got in."""
    from django.test import Client

    attacker = Client()
    for n in range(5):
        attempt(attacker, password="wrong-password", address=ATTACKERS[n % 3])
    got_in = []
    steps = round(seconds / 0.2)
    for step in range(steps):
        frozen.shift(0.2)
        attempt(attacker, password="wrong-password", address=ATTACKERS[step % 3])
        if owner is not None and step % round(every / 0.2) == 0 and owner():
            got_in.append(round(step * 0.2, 1))
    return got_in


def test_the_owner_on_a_device_that_logged_in_before_gets_in_at_once_during_an_attack(
    client, alice, frozen
):
    attempt(client)  # yesterday, on this browser
    assert logged_in(client)
    assert client.cookies[throttle.DEVICE_COOKIE].value
    client.post("/logout/")
    frozen.shift(timedelta(days=1))

    def owner() -> bool:
        response = attempt(client)
        assert response.status_code in (200, 302), response.status_code
        in_now = logged_in(client)
        client.post("/logout/")
        return in_now

    got_in = attack(frozen, 150, owner)
    assert len(got_in) == 30  # 30 of 30 tries over 150 s, none refused


def test_during_an_attack_a_new_device_is_refused_but_told_the_other_way_in(client, alice, frozen):
    attack(frozen, 40)
    response = attempt(client)  # a browser that never logged in
    assert response.status_code == 429
    assert 'href="/password/reset/"' in response.text
    assert "sign in with a link sent to your email" in response.text


def test_the_emailed_link_signs_a_new_device_in_and_it_is_known_from_then_on(
    client, alice, frozen, mailoutbox
):
    attack(frozen, 20)
    client.post("/password/reset/", {"email": "alice@example.com"})
    link = next(line for line in mailoutbox[-1].body.splitlines() if "/password/reset/" in line)
    path = link[link.index("/password/reset/") :].strip()
    form = client.get(path, follow=True)
    new = "a-new-long-passphrase-789"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert logged_in(client)
    client.post("/logout/")
    # The attack goes on; this browser is now a known device.
    attack_more = attack(frozen, 20, lambda: _logs_in(client, new), every=5)
    assert len(attack_more) == 4


def _logs_in(client, password) -> bool:
    attempt(client, password=password)
    in_now = logged_in(client)
    client.post("/logout/")
    return in_now


def test_a_known_devices_own_wrong_passwords_still_slow_it(client, alice, frozen):
    attempt(client)
    client.post("/logout/")
    fail(client, 5)
    assert attempt(client).status_code == 429
    frozen.shift(30)
    attempt(client)
    assert logged_in(client)


def test_a_device_cookie_for_another_account_or_forged_counts_as_a_new_device(
    client, alice, frozen
):
    User.objects.create_user("bob@example.com", PASSWORD)
    attempt(client, email="bob@example.com")  # this browser knows bob's account, not alice's
    client.post("/logout/")
    attack(frozen, 10)
    assert attempt(client).status_code == 429
    client.cookies[throttle.DEVICE_COOKIE] = "forged:value"
    assert attempt(client).status_code == 429


# --- the admin's login page goes through the same rules --------------------------------------


@pytest.fixture
def root():
    return User.objects.create_superuser("root@example.com", PASSWORD)


def admin_attempt(client, password=PASSWORD, address=HOME, email="root@example.com"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_forty_wrong_admin_passwords_are_throttled_and_the_right_one_then_waits(
    client, root, frozen, failed_checks
):
    statuses = [admin_attempt(client, password=f"guess-{n}").status_code for n in range(40)]
    assert statuses[:5] == [200] * 5
    assert 429 in statuses
    assert len(failed_checks) < 40  # refused attempts checked no password
    response = admin_attempt(client)
    assert response.status_code == 429
    assert response["Retry-After"]
    assert not logged_in(client)


def test_admin_and_login_page_failures_share_one_budget(client, root, frozen):
    for n in range(3):
        attempt(client, email="root@example.com", password=f"guess-{n}")
    for n in range(2):
        admin_attempt(client, password=f"admin-guess-{n}")
    assert admin_attempt(client).status_code == 429
    assert attempt(client, email="root@example.com").status_code == 429


def test_the_admin_login_still_logs_staff_in_and_refuses_learners(client, root, alice, frozen):
    refused = admin_attempt(client, email="alice@example.com")
    assert refused.status_code == 200 and not logged_in(client)
    assert "staff account" in refused.text
    assert LoginFailure.objects.filter(email="alice@example.com").count() == 1
    response = admin_attempt(client)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert logged_in(client)
