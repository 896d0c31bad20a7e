"""`/signup/`: email + password twice; lowercased, unique, validated; logs the newcomer in."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.urls import reverse

from learners.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def signup_data(email: str = "newcomer@example.com", password: str = PASSWORD, again=None):
    return {"email": email, "password1": password, "password2": again or password}


def test_an_anonymous_visitor_sees_the_form_with_a_label_on_every_input(client):
    response = client.get("/signup/")
    assert response.status_code == 200
    for name in ("email", "password1", "password2"):
        assert f'<label for="id_{name}">' in response.text
    assert 'autocomplete="new-password"' in response.text


def test_signing_up_logs_the_newcomer_in_and_sends_them_to_the_dashboard(client):
    response = client.post("/signup/", signup_data())
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    user = User.objects.get()
    assert client.session[SESSION_KEY] == str(user.pk)
    assert user.check_password(PASSWORD)
    welcome = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("Welcome to Trajectory") for m in welcome)


def test_the_email_is_stored_lowercased(client):
    client.post("/signup/", signup_data(email="  Ada.Lovelace@Example.COM "))
    assert User.objects.get().email == "ada.lovelace@example.com"


@pytest.mark.parametrize("typed", ["taken@example.com", "TAKEN@example.com"])
def test_a_taken_email_in_any_case_gets_a_clear_error_and_creates_nothing(client, typed):
    User.objects.create_user("taken@example.com", "another-password-1")
    response = client.post("/signup/", signup_data(email=typed))
    assert response.status_code == 200
    assert "An account already uses this email address." in response.text
    assert User.objects.count() == 1
    assert SESSION_KEY not in client.session


def test_two_different_passwords_are_rejected(client):
    response = client.post("/signup/", signup_data(again="correct-horse-staple"))
    assert "didn’t match" in response.text
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("4815162342108", "entirely numeric"),
        ("newcomer@example.com", "too similar"),
    ],
)
def test_the_password_validators_apply(client, password, complaint):
    response = client.post("/signup/", signup_data(password=password))
    assert response.status_code == 200
    assert complaint in response.text
    assert not User.objects.exists()


def test_a_password_rule_is_said_under_password_and_a_mismatch_under_password_again(client):
    response = client.post("/signup/", signup_data(password="short1"))
    form = response.context["form"]
    assert any("too short" in error for error in form.errors["password1"])
    assert "password2" not in form.errors
    # The error stands with its field in the page, read out with it (aria-describedby).
    assert 'id="id_password1_error"' in response.text
    response = client.post("/signup/", signup_data(again="correct-horse-staple"))
    assert list(response.context["form"].errors) == ["password2"]


@pytest.mark.parametrize("email", ["", "not-an-email", "a" * 250 + "@example.com"])
def test_a_missing_or_malformed_email_is_a_field_error(client, email):
    response = client.post("/signup/", signup_data(email=email))
    assert response.status_code == 200
    assert 'aria-describedby="id_email_error"' in response.text
    assert 'id="id_email_error"' in response.text
    assert not User.objects.exists()


def test_a_logged_in_learner_is_sent_to_the_dashboard_instead(client):
    alice = User.objects.create_user("alice@example.com", PASSWORD)
    client.force_login(alice)
    assert client.get("/signup/").url == reverse("dashboard")
    response = client.post("/signup/", signup_data())
    assert response.url == reverse("dashboard")
    assert User.objects.count() == 1
