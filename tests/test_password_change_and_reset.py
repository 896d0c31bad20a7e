"""Password change (logged in) and reset by email (anyone): Django's views, our templates,
links built from SITE_URL."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client

from learners.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-whole-new-passphrase"
SITE_URL = "https://trajectory.example"


@pytest.fixture
def alice():
    return User.objects.create_user("alice@example.com", PASSWORD)


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = SITE_URL
    return SITE_URL


def can_log_in(email: str, password: str) -> bool:
    client = Client()
    client.post("/login/", {"username": email, "password": password})
    return SESSION_KEY in client.session


def reset_link(message) -> str:
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1, message.body
    return links[0]


# --- change ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/password/change/", "/password/change/done/"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"/login/?next={path}"


def test_the_owner_sees_the_change_form(client, alice):
    client.force_login(alice)
    response = client.get("/password/change/")
    assert response.status_code == 200
    for name in ("old_password", "new_password1", "new_password2"):
        assert f'<label for="id_{name}">' in response.text


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, alice):
    client.force_login(alice)
    elsewhere = Client()
    elsewhere.force_login(alice)

    response = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == "/password/change/done/"
    assert client.get("/password/change/done/").status_code == 200
    assert client.get("/settings/").status_code == 200
    assert elsewhere.get("/settings/").url.startswith("/login/")
    assert can_log_in("alice@example.com", NEW_PASSWORD)
    assert not can_log_in("alice@example.com", PASSWORD)


def test_a_wrong_old_password_changes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        "/password/change/",
        {
            "old_password": "not-it-at-all",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.text
    assert 'aria-describedby="id_old_password_error"' in response.text
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_weak_new_password_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert "too short" in response.text
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# --- reset -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/password/reset/", "/password/reset/done/", "/password/reset/complete/"]
)
def test_the_reset_pages_are_open_to_everyone(client, alice, path):
    assert client.get(path).status_code == 200
    client.force_login(alice)
    assert client.get(path).status_code == 200


def test_a_reset_by_email_end_to_end(client, alice, site_url):
    response = client.post("/password/reset/", {"email": "Alice@Example.com"})
    assert response.url == "/password/reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Reset your Trajectory password"

    link = reset_link(message)
    assert link.startswith(f"{SITE_URL}/password/reset/")
    path = link.removeprefix(SITE_URL)

    # The token moves into the session and out of the address bar (and Referer headers).
    form_page = client.get(path, follow=True)
    assert form_page.redirect_chain[-1][0].endswith("/set-password/")
    assert "Choose a new password" in form_page.text
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.url == "/password/reset/complete/"

    assert can_log_in("alice@example.com", NEW_PASSWORD)
    assert not can_log_in("alice@example.com", PASSWORD)
    # A link works once.
    assert "This link no longer works" in Client().get(path, follow=True).text


GOLDEN_RESET_EMAIL = """\
Hello,

Someone asked to reset the password of the Trajectory account for alice@example.com. If it was you, choose a new password here:

<link>

The link works once and expires in 3 days. If you didn't ask for it, ignore this email: your password stays as it is.

— Trajectory
"""


def test_the_reset_email_reads_as_written(client, alice, site_url):
    client.post("/password/reset/", {"email": "alice@example.com"})
    message = mail.outbox[0]
    assert message.body.replace(reset_link(message), "<link>") == GOLDEN_RESET_EMAIL


def test_the_reset_link_ignores_a_forged_host_header(client, alice, site_url, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver", "evil.example"]
    client.post("/password/reset/", {"email": "alice@example.com"}, HTTP_HOST="evil.example")
    link = reset_link(mail.outbox[0])
    assert link.startswith(f"{SITE_URL}/password/reset/")
    assert "evil.example" not in mail.outbox[0].body


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, alice):
    response = client.post("/password/reset/", {"email": "nobody@example.com"})
    assert response.url == "/password/reset/done/"
    assert mail.outbox == []


def test_a_made_up_link_says_it_no_longer_works(client, alice):
    response = client.get("/password/reset/MQ/not-a-token/")
    assert response.status_code == 200
    assert "This link no longer works" in response.text
    assert 'href="/password/reset/"' in response.text
