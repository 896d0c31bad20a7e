"""`/settings/`: a learner's name, time zone, weekly target and weekly email; POST → redirect."""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.template import engines
from django.test import RequestFactory

from learners.accounts.forms import SettingsForm
from learners.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
FIELDS = (
    "display_name",
    "time_zone",
    "weekly_hours_target",
    "weekly_email",
    "weekly_email_weekday",
    "weekly_email_hour",
)


@pytest.fixture
def alice():
    return User.objects.create_user(
        "alice@example.com", PASSWORD, display_name="Alice", time_zone="Europe/Paris"
    )


@pytest.fixture
def bob():
    return User.objects.create_user("bob@example.com", PASSWORD, display_name="Bob")


def valid_data(**changes):
    data = {
        "display_name": "Ada",
        "time_zone": "America/New_York",
        "weekly_hours_target": "7.5",
        "weekly_email": "on",
        "weekly_email_weekday": "4",
        "weekly_email_hour": "18",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def snapshot(user: User) -> dict:
    user.refresh_from_db()
    return {name: getattr(user, name) for name in FIELDS}


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/settings/"
    assert client.post("/settings/", valid_data()).url == "/login/?next=/settings/"


def test_the_owner_sees_their_current_values(client, alice):
    client.force_login(alice)
    response = client.get("/settings/")
    assert response.status_code == 200
    assert 'value="Alice"' in response.text
    assert '<option value="Europe/Paris" selected>' in response.text
    assert '<option value="0" selected>Monday</option>' in response.text
    assert '<option value="8" selected>08:00</option>' in response.text
    assert 'name="weekly_email" id="id_weekly_email" checked' in response.text
    assert 'href="/password/change/"' in response.text


def test_the_time_zone_list_is_every_zone_sorted(alice):
    form = SettingsForm(instance=alice)
    names = [value for value, _ in form.fields["time_zone"].choices]
    assert names == sorted(zoneinfo.available_timezones())


def test_every_input_has_a_label(client, alice):
    client.force_login(alice)
    text = client.get("/settings/").text
    for name in FIELDS:
        assert f'for="id_{name}"' in text


@pytest.mark.parametrize("path", ["/settings/", "/signup/", "/login/", "/password/reset/"])
def test_labels_carry_no_trailing_colon_like_every_other_form(client, alice, path):
    if path == "/settings/":
        client.force_login(alice)
    text = client.get(path).text
    labels = re.findall(r"<label[^>]*>(.*?)</label>", text, re.DOTALL)
    assert labels
    assert [label for label in labels if re.sub(r"<[^>]+>", "", label).strip().endswith(":")] == []


def test_saving_redirects_back_with_a_message_and_stores_the_values(client, alice):
    client.force_login(alice)
    response = client.post("/settings/", valid_data())
    assert response.status_code == 302
    assert response.url == "/settings/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Settings saved."]
    assert snapshot(alice) == {
        "display_name": "Ada",
        "time_zone": "America/New_York",
        "weekly_hours_target": Decimal("7.5"),
        "weekly_email": True,
        "weekly_email_weekday": 4,
        "weekly_email_hour": 18,
    }


def test_an_unticked_box_turns_the_weekly_email_off(client, alice):
    client.force_login(alice)
    client.post("/settings/", valid_data(weekly_email=None))
    alice.refresh_from_db()
    assert alice.weekly_email is False


def test_an_empty_display_name_is_allowed(client, alice):
    client.force_login(alice)
    client.post("/settings/", valid_data(display_name=""))
    alice.refresh_from_db()
    assert alice.display_name == ""


def test_saving_leaves_the_password_and_another_learner_alone(client, alice, bob):
    client.force_login(alice)
    bob_before = snapshot(bob)
    client.post("/settings/", valid_data())
    assert snapshot(bob) == bob_before
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_another_learner_sees_only_their_own_settings(client, alice, bob):
    client.force_login(bob)
    text = client.get("/settings/").text
    assert 'value="Bob"' in text
    assert "alice@example.com" not in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus_Mons", "Choose a time zone from the list."),
        ("time_zone", "", "This field is required."),
        ("weekly_email_hour", "24", "Choose an hour from 0 to 23."),
        ("weekly_email_hour", "-1", "Choose an hour from 0 to 23."),
        ("weekly_email_hour", "noon", "Choose an hour from 0 to 23."),
        ("weekly_hours_target", "0", "greater than or equal to 0.5"),
        ("weekly_hours_target", "80.5", "less than or equal to 80"),
        ("weekly_hours_target", "abc", "Enter a number."),
        ("weekly_hours_target", "NaN", "Enter a number."),
        ("weekly_hours_target", "7.25", "no more than 1 decimal place"),
        ("weekly_hours_target", "", "This field is required."),
        ("weekly_email_weekday", "7", "Choose a day of the week."),
        ("weekly_email_weekday", "Monday", "Choose a day of the week."),
        ("display_name", "x" * 81, "at most 80 characters"),
        ("display_name", "nul\x00byte", "Null characters are not allowed."),
    ],
)
def test_a_bad_value_is_a_field_error_and_saves_nothing(client, alice, field, value, message):
    client.force_login(alice)
    before = snapshot(alice)
    response = client.post("/settings/", valid_data(**{field: value}))
    assert response.status_code == 422  # the form again, with its errors
    assert message in response.text
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in response.text or (
        f'aria-describedby="id_{field}_error"' in response.text
    )
    assert snapshot(alice) == before


def test_a_rejected_form_does_not_show_unsaved_values_in_the_header(client, alice):
    client.force_login(alice)
    response = client.post("/settings/", valid_data(display_name="Not Saved", time_zone="Nowhere"))
    header = response.text.split("<main", 1)[0]
    assert "Alice" in header
    assert "Not Saved" not in header


def test_a_page_extending_settings_can_add_sections_at_the_end(alice):
    template = engines["django"].from_string(
        '{% extends "accounts/settings.html" %}'
        '{% block settings_extra %}<section id="extra">More</section>{% endblock %}'
    )
    request = RequestFactory().get("/settings/")
    request.user = alice
    html = template.render({"form": SettingsForm(instance=alice)}, request)
    assert '<section id="extra">More</section>' in html
    assert html.index('id="password-heading"') < html.index('id="extra"')
