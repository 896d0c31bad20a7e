"""The admin's delivery log and schedules, for operators (docs/email.md)."""

from __future__ import annotations

from datetime import date

import pytest

from learners.weekly.models import Delivery, WeeklyEmail
from tests.factories import make_learner

pytestmark = pytest.mark.django_db

URLS = ("/admin/weekly/weeklyemail/", "/admin/weekly/weeklyschedule/")


def test_operators_find_emails_in_doubt_by_status_and_message_id(client, alice):
    row = WeeklyEmail.objects.create(
        learner=alice,
        week_start=date(2026, 3, 2),
        status=Delivery.UNKNOWN,
        message_id="<42@trajectory.example.com>",
    )
    client.force_login(make_learner("ops@example.com", is_staff=True, is_superuser=True))
    for url in URLS:
        assert client.get(url).status_code == 200
    link = f"/admin/weekly/weeklyemail/{row.pk}/change/"
    assert link in client.get(URLS[0], {"status__exact": "unknown", "q": "42@trajectory"}).text
    assert link not in client.get(URLS[0], {"status__exact": "sent"}).text


def test_learners_who_are_not_staff_are_sent_to_the_admin_login(client, alice):
    client.force_login(alice)
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
