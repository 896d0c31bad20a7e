"""`/lists/<slug>/`: a curated track in order, its hours, and prerequisite-order warnings."""

from __future__ import annotations

import pytest
from django.utils import timezone

from curriculum.models import Module
from learners.models import User
from tests.factories import make_list, make_modules

pytestmark = pytest.mark.django_db


def test_it_shows_modules_in_order_with_total_hours(client):
    modules = make_modules(3)
    make_list(modules)
    response = client.get("/lists/track/")
    assert response.status_code == 200
    text = response.text
    positions = [text.index(m.title) for m in modules]
    assert positions == sorted(positions)
    assert "7.5 hours in all" in text


def test_it_warns_when_an_item_comes_before_its_prerequisite(client):
    first, second = make_modules(2)  # second requires first
    make_list([second, first])
    text = client.get("/lists/track/").text
    assert "Comes before its prerequisite" in text
    assert f'href="/modules/{first.slug}/"' in text


def test_no_warning_when_the_order_is_right(client):
    make_list(make_modules(3))
    assert "Comes before its prerequisite" not in client.get("/lists/track/").text


def test_it_marks_retired_modules(client):
    modules = make_modules(2)
    make_list(modules)
    Module.objects.filter(pk=modules[0].pk).update(retired_at=timezone.now())
    assert "has been retired from the catalogue" in client.get("/lists/track/").text


def test_an_unpublished_list_is_404_except_for_staff(client):
    make_list(make_modules(1), published=False)
    assert client.get("/lists/track/").status_code == 404
    staff = User.objects.create_user("staff@example.com", "pw-123456789", is_staff=True)
    client.force_login(staff)
    response = client.get("/lists/track/")
    assert response.status_code == 200
    assert "not published" in response.text


def test_an_unknown_list_is_404(client):
    assert client.get("/lists/nope/").status_code == 404


@pytest.mark.parametrize("count", [10, 200])
def test_its_query_count_does_not_grow(client, django_assert_num_queries, count):
    make_list(make_modules(count))
    # list, items with their modules, the modules' prerequisites
    with django_assert_num_queries(3):
        response = client.get("/lists/track/")
    assert response.status_code == 200
