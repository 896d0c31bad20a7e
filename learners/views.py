"""A learner's pages. Anonymous visitors get the landing page at `/`."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from curriculum.models import ModuleList


def home(request: HttpRequest) -> HttpResponse:
    return landing(request)


def landing(request: HttpRequest) -> HttpResponse:
    lists = ModuleList.objects.published().annotate(
        module_count=Count("items"), hours=Sum("items__module__hours")
    )
    return render(request, "learners/landing.html", {"lists": lists})
