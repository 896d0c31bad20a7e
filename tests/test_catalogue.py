"""`/modules/`: the public catalogue, its filters, search, htmx fragment and query count."""

from __future__ import annotations

import pytest
from django.utils import timezone

from curriculum.models import Module, Topic
from tests.factories import make_modules

pytestmark = pytest.mark.django_db


def test_it_lists_active_modules_only(client):
    modules = make_modules(3)
    Module.objects.filter(pk=modules[0].pk).update(retired_at=timezone.now())
    response = client.get("/modules/")
    assert response.status_code == 200
    assert modules[0].title not in response.text
    assert modules[1].title in response.text
    assert "2 modules" in response.text


def test_it_filters_by_topic_and_kind(client):
    alpha, beta = make_modules(2)
    nlp = Topic.objects.create(slug="nlp", name="NLP")
    alpha.topics.add(nlp)
    Module.objects.filter(pk=beta.pk).update(kind="paper")

    by_topic = client.get("/modules/", {"topic": "nlp"}).text
    assert alpha.title in by_topic and beta.title not in by_topic
    by_kind = client.get("/modules/", {"kind": "paper"}).text
    assert beta.title in by_kind and alpha.title not in by_kind


def test_it_searches_title_and_summary(client):
    alpha, beta = make_modules(2)
    Module.objects.filter(pk=beta.pk).update(summary="All about perplexity")
    response = client.get("/modules/", {"q": "PERPLEXITY"})
    assert beta.title in response.text
    assert alpha.title not in response.text


def test_an_empty_search_says_so_and_offers_a_way_back(client):
    make_modules(2)
    response = client.get("/modules/", {"q": "no such thing"})
    assert "No module matches." in response.text
    assert 'href="/modules/"' in response.text


def test_an_empty_catalogue_explains_how_to_fill_it(client):
    assert "load_curriculum" in client.get("/modules/").text


def test_htmx_requests_get_only_the_results_fragment(client):
    make_modules(2)
    response = client.get("/modules/", {"q": "Module"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"]


def test_an_unknown_kind_is_ignored_not_an_error(client):
    make_modules(2)
    assert client.get("/modules/", {"kind": "<script>"}).status_code == 200


@pytest.mark.parametrize("count", [10, 200])
def test_its_query_count_does_not_grow_with_the_catalogue(client, django_assert_num_queries, count):
    make_modules(count)
    # modules, their topics (prefetch), topics for the filter
    with django_assert_num_queries(3):
        response = client.get("/modules/")
    assert response.status_code == 200
