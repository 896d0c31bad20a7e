"""`/modules/<slug>/`: the rendered module, and friendly 404s."""

from __future__ import annotations

import pytest
from django.utils import timezone

from curriculum.models import Module
from tests.factories import make_modules

pytestmark = pytest.mark.django_db


def test_it_shows_body_hours_prerequisites_resources_and_checkpoints(client):
    first, second = make_modules(2)
    response = client.get(f"/modules/{second.slug}/")
    assert response.status_code == 200
    text = response.text
    assert "<p>Body 1</p>" in text
    assert "about 2.5 hours" in text
    assert f'href="/modules/{first.slug}/"' in text
    assert 'href="https://example.com"' in text
    assert "Checkpoint 2" in text


def test_an_unknown_slug_is_a_friendly_404_with_suggestions(client):
    make_modules(1, prefix="lstm")
    response = client.get("/modules/lstm-000/")
    assert response.status_code == 404
    assert "There is no module called “lstm-000”." in response.text
    assert "Perhaps you meant" in response.text
    assert 'href="/modules/lstm-0000/"' in response.text


def test_a_retired_module_is_a_404_that_says_so(client):
    (module,) = make_modules(1)
    Module.objects.filter(pk=module.pk).update(retired_at=timezone.now())
    response = client.get(f"/modules/{module.slug}/")
    assert response.status_code == 404
    assert "has been retired from the catalogue" in response.text


@pytest.mark.parametrize("count", [10, 200])
def test_its_query_count_does_not_grow(client, django_assert_num_queries, count):
    modules = make_modules(count, checkpoints=8)
    # module, topics, prerequisites, checkpoints
    with django_assert_num_queries(4):
        response = client.get(f"/modules/{modules[-1].slug}/")
    assert response.status_code == 200
