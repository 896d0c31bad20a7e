"""The admin for accounts: staff find, create and change learners; never see a password."""

from __future__ import annotations

import pytest

from learners.models import User
from tests.factories import make_learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(make_learner("staff@example.com", is_staff=True, is_superuser=True))
    return client


def test_learners_are_listed_and_searched(staff_client, alice, bob):
    page = staff_client.get("/admin/learners/user/", {"q": "alice"}).text
    assert "alice@example.com" in page
    assert "bob@example.com" not in page


def test_a_learner_is_created_with_a_password(staff_client):
    response = staff_client.post(
        "/admin/learners/user/add/",
        {
            "email": "new@example.com",
            "usable_password": "true",
            "password1": "a-long-new-password-42",
            "password2": "a-long-new-password-42",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    assert User.objects.get(email="new@example.com").check_password("a-long-new-password-42")


def test_the_change_page_shows_no_password_hash_and_saves_preferences(staff_client, alice):
    page = staff_client.get(f"/admin/learners/user/{alice.pk}/change/").text
    assert alice.password not in page
    data = {
        "email": alice.email,
        "display_name": "Alice L.",
        "time_zone": "Europe/Paris",
        "weekly_hours_target": "12",
        "weekly_email": "on",
        "weekly_email_weekday": "2",
        "weekly_email_hour": "7",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    response = staff_client.post(f"/admin/learners/user/{alice.pk}/change/", data)
    assert response.status_code == 302, response.text[:3000]
    alice.refresh_from_db()
    assert (alice.display_name, alice.time_zone, alice.weekly_email_weekday) == (
        "Alice L.",
        "Europe/Paris",
        2,
    )


def test_a_learner_who_is_not_staff_cannot_reach_it(client, alice):
    client.force_login(alice)
    response = client.get("/admin/learners/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
