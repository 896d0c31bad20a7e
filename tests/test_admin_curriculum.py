"""The admin: modules are read-only, lists are curated with ordered inline items."""

from __future__ import annotations

import pytest
from django.utils import timezone

from curriculum.models import Module, ModuleList
from learners.models import User
from tests.factories import make_list, make_modules

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("admin@example.com", "admin-password-123")
    client.force_login(admin)
    return client


def test_modules_cannot_be_added_changed_or_deleted(admin_client):
    (module,) = make_modules(1)
    assert admin_client.get("/admin/curriculum/module/add/").status_code == 403
    page = admin_client.get(f"/admin/curriculum/module/{module.pk}/change/")
    assert page.status_code == 200
    assert 'name="title"' not in page.text  # shown, not editable
    assert "<p>Body 0</p>" in page.text  # the preview
    assert admin_client.post(f"/admin/curriculum/module/{module.pk}/delete/").status_code == 403
    assert Module.objects.filter(pk=module.pk).exists()


def test_a_list_is_created_with_ordered_items(admin_client):
    first, second = make_modules(2)
    response = admin_client.post(
        "/admin/curriculum/modulelist/add/",
        {
            "title": "NLP in 12 weeks",
            "slug": "nlp-12",
            "description": "The path.",
            "published": "on",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-0-position": "2",
            "items-0-module": first.pk,
            "items-0-required": "on",
            "items-0-note": "basics first",
            "items-1-position": "1",
            "items-1-module": second.pk,
        },
    )
    assert response.status_code == 302, response.text
    track = ModuleList.objects.get(slug="nlp-12")
    assert [item.module for item in track.items.all()] == [second, first]
    assert track.items.get(module=first).note == "basics first"
    assert track.items.get(module=second).required is False


def test_the_list_admin_says_when_an_item_is_retired(admin_client):
    modules = make_modules(2)
    track = make_list(modules)
    Module.objects.filter(pk=modules[1].pk).update(retired_at=timezone.now())
    change = admin_client.get(f"/admin/curriculum/modulelist/{track.pk}/change/")
    assert "retired: its file is gone" in change.text
    listing = admin_client.get("/admin/curriculum/modulelist/")
    assert modules[1].title in listing.text


def test_list_admin_search_and_filter(admin_client):
    make_list(make_modules(1), slug="deep", title="Deep learning foundations")
    assert (
        "Deep learning foundations"
        in admin_client.get("/admin/curriculum/modulelist/", {"q": "foundations"}).text
    )
    assert (
        "Deep learning foundations"
        not in admin_client.get("/admin/curriculum/modulelist/", {"published__exact": "0"}).text
    )


def test_module_autocomplete_finds_modules_for_the_inline(admin_client):
    make_modules(3, prefix="lstm")
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "term": "lstm 0001",
            "app_label": "curriculum",
            "model_name": "modulelistitem",
            "field_name": "module",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Module lstm 0001"]


def test_a_lists_change_page_costs_one_query_per_item_at_most(admin_client):
    # The rows' modules and lists come with the items (select_related); what remains is
    # Django's autocomplete widget, which looks up its selected module once per row.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    modules = make_modules(12)
    counts = []
    for size in (2, 12):
        track = make_list(modules[:size], slug=f"track-{size}")
        with CaptureQueriesContext(connection) as queries:
            page = admin_client.get(f"/admin/curriculum/modulelist/{track.pk}/change/")
            assert page.status_code == 200
        counts.append(len(queries))
    assert counts[1] - counts[0] <= 10, counts


def test_a_lists_items_are_placed_from_1_as_its_page_counts(admin_client):
    modules = make_modules(3)
    track = make_list(modules[:2])  # stored at positions 0 and 1
    page = admin_client.get(f"/admin/curriculum/modulelist/{track.pk}/change/").text
    assert 'name="items-0-position" value="1"' in page
    assert 'name="items-1-position" value="2"' in page
    # The blank row offers the next place, not 0 (which put a new item at the top).
    assert 'name="items-2-position" value="3"' in page
    items = list(track.items.order_by("position"))
    data = {
        "title": track.title,
        "slug": track.slug,
        "published": "on",
        "items-TOTAL_FORMS": "4",
        "items-INITIAL_FORMS": "2",
        "items-0-id": items[0].pk,
        "items-0-module_list": track.pk,
        "items-0-position": "2",
        "items-0-module": modules[0].pk,
        "items-1-id": items[1].pk,
        "items-1-module_list": track.pk,
        "items-1-position": "1",
        "items-1-module": modules[1].pk,
        "items-2-module_list": track.pk,
        "items-2-position": "",  # left empty: at the end
        "items-2-module": modules[2].pk,
        "items-2-required": "on",
        "items-3-module_list": track.pk,
        "items-3-position": "4",  # the untouched blank row: saves nothing
        "items-3-required": "on",
    }
    response = admin_client.post(f"/admin/curriculum/modulelist/{track.pk}/change/", data)
    assert response.status_code == 302, response.text
    assert [item.module for item in track.items.all()] == [modules[1], modules[0], modules[2]]
    public = admin_client.get(track.get_absolute_url()).text
    positions = [public.index(m.title) for m in (modules[1], modules[0], modules[2])]
    assert positions == sorted(positions)


def test_the_list_admin_shows_full_titles_and_uk_dates_without_repeating_the_list(admin_client):
    track = make_list(make_modules(2))
    page = admin_client.get(f"/admin/curriculum/modulelist/{track.pk}/change/").text
    assert "css/admin.css" in page  # the wider module picker and note, the row titles hidden
    listing = admin_client.get("/admin/curriculum/modulelist/").text
    updated = timezone.localtime(track.updated_at)
    assert f"{updated.day} {updated:%b} {updated.year}" in listing  # "2 Dec 2026", not "Dec. 2"
    assert f"{updated:%b}. {updated.day}, {updated.year}" not in listing
