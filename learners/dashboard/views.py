"""The front page: the landing page for visitors, the dashboard for a learner."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from curriculum.models import ModuleList
from learners.dashboard.board import build_dashboard
from learners.study.forms import session_form_for


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return dashboard(request)
    return landing(request)


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/landing.html", {"lists": ModuleList.objects.to_choose_from()})


@login_required
@vary_on_headers("HX-Request")
def dashboard(request: HttpRequest) -> HttpResponse:
    # Everything here is lazy: a section the page cache already holds reads nothing.
    board = build_dashboard(request.user)
    context = {
        "board": board,
        "session_form": session_form_for(request.user, board.today),
        "lists": ModuleList.objects.to_choose_from(),  # shown when there is no plan
    }
    return render(request, "dashboard/home.html", context)
