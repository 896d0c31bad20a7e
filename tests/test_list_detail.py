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


def test_a_learner_can_start_this_plan_from_the_lists_page(client, alice):
    make_list(make_modules(2))
    client.force_login(alice)
    text = client.get("/lists/track/").text
    assert '<a class="button" href="/plans/new/?list=track">Start this plan</a>' in text


def test_a_visitor_starts_this_plan_by_signing_up_and_lands_on_the_plan_form(client):
    make_list(make_modules(2))
    text = client.get("/lists/track/").text
    assert (
        '<a class="button" href="/signup/?next=/plans/new/%3Flist%3Dtrack">Start this plan</a>'
        in text
    )
    assert 'href="/login/?next=/plans/new/%3Flist%3Dtrack"' in text
    form = client.get("/signup/?next=/plans/new/%3Flist%3Dtrack").text
    assert '<input type="hidden" name="next" value="/plans/new/?list=track">' in form
    response = client.post(
        "/signup/",
        {
            "email": "newcomer@example.com",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
            "next": "/plans/new/?list=track",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/plans/new/?list=track"
    assert "Set your time box" in client.get(response["Location"]).text


def test_sign_up_goes_nowhere_off_the_site(client):
    response = client.post(
        "/signup/",
        {
            "email": "newcomer@example.com",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


def test_an_unpublished_list_offers_no_start(client, alice):
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    make_list(make_modules(1), published=False)
    client.force_login(alice)
    text = client.get("/lists/track/").text
    assert "not published" in text
    assert "Start this plan" not in text
