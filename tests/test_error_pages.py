"""Error pages that help: 404 with a way on, 403 and 500 without leaking anything."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import include, path

pytestmark = pytest.mark.django_db


def broken(request):
    raise RuntimeError("a bug we did not see coming")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("broken/", broken),
    path("forbidden/", forbidden),
    path("", include("config.urls")),
]
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"


def test_an_unknown_page_is_a_friendly_404_in_the_sites_layout(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "This page doesn’t exist." in response.text
    assert 'href="/modules/"' in response.text
    assert 'class="site-header"' in response.text


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_a_calm_500_that_leaks_nothing():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "Something went wrong on our side." in response.text
    assert "a bug we did not see coming" not in response.text
    assert "Traceback" not in response.text


@override_settings(ROOT_URLCONF=__name__)
def test_a_forbidden_request_is_a_403_page(client):
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "You can’t do that here." in response.text


def test_a_csrf_failure_is_a_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_favicon_ico_is_the_sites_icon_not_a_404(client):
    # Browsers ask for it where a page names no icon (the admin's pages, say).
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]
    from django.contrib.staticfiles import finders

    assert finders.find("img/favicon.svg")
