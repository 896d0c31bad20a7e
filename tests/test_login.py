"""`/login/` and `/logout/`: email login, a fresh session, safe `next`, POST-only logout."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from learners.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def alice():
    return User.objects.create_user("alice@example.com", PASSWORD)


def log_in(client, email="alice@example.com", password=PASSWORD, **extra):
    return client.post("/login/", {"username": email, "password": password, **extra})


def test_an_anonymous_visitor_sees_the_form_with_links_to_sign_up_and_reset(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert '<label for="id_username">Email' in response.text
    assert '<label for="id_password">Password' in response.text
    assert 'href="/signup/"' in response.text
    assert 'href="/password/reset/"' in response.text


def test_the_right_password_logs_in_and_lands_on_the_dashboard(client, alice):
    response = log_in(client)
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_the_email_is_matched_whatever_its_case(client, alice):
    log_in(client, email="  ALICE@Example.com")
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_logging_in_starts_a_new_session(client, alice):
    before = client.session
    before["probe"] = "set before login"
    before.save()
    old_key = before.session_key

    log_in(client)

    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_next_sends_the_learner_to_a_page_on_this_site(client, alice):
    response = log_in(client, next="/modules/?kind=paper")
    assert response.url == "/modules/?kind=paper"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "http:\\\\evil.example", "javascript:alert(1)"],
)
def test_next_to_another_site_is_ignored(client, alice, target):
    response = log_in(client, next=target)
    assert response.url == reverse("dashboard")


def test_the_form_carries_next_through_to_the_post(client):
    response = client.get("/login/", {"next": "/settings/"})
    assert '<input type="hidden" name="next" value="/settings/">' in response.text


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(client, alice):
    wrong_password = log_in(client, password="not-the-password")
    unknown_email = log_in(client, email="nobody@example.com")
    message = "That email and password don&#x27;t match."
    assert message in wrong_password.text
    assert message in unknown_email.text
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert SESSION_KEY not in client.session


def test_an_inactive_account_cannot_log_in(client, alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = log_in(client)
    assert "That email and password don&#x27;t match." in response.text
    assert SESSION_KEY not in client.session


def test_a_logged_in_learner_visiting_login_goes_to_the_dashboard(client, alice):
    client.force_login(alice)
    assert client.get("/login/").url == reverse("dashboard")


def test_logout_only_accepts_post(client, alice):
    client.force_login(alice)
    assert client.get("/logout/").status_code == 405
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_logging_out_ends_the_session(client, alice):
    client.force_login(alice)
    response = client.post("/logout/")
    assert response.url == reverse("dashboard")
    assert SESSION_KEY not in client.session
    assert client.get("/settings/").url.startswith("/login/")


def test_logging_out_as_an_anonymous_visitor_is_harmless(client):
    assert client.post("/logout/").status_code == 302
