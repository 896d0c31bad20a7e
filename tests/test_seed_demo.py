"""`seed_demo`: a living dashboard for a newcomer, written once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from curriculum.models import Module
from curriculum.seed import seed_lists
from learners.dashboard.board import build_dashboard
from learners.demo import DEMO_EMAIL, DEMO_PASSWORD
from learners.models import ConfidenceRating, Note, Plan, StatusChange, StudySession, User
from tests.conftest import REPO
from tests.curriculum_helpers import load

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> tuple:
    return tuple(
        model.objects.count()
        for model in (User, Plan, StudySession, Note, ConfidenceRating, StatusChange)
    )


def test_it_gives_the_demo_learner_six_weeks_of_history_once():
    load(REPO / "curriculum" / "content")
    seed_lists()

    output = _seed()
    first = _counts()
    again = _seed()

    assert f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}" in output
    assert f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}" in again
    assert _counts() == first  # nothing duplicated
    demo = User.objects.get(email=DEMO_EMAIL)
    assert demo.check_password(DEMO_PASSWORD)
    board = build_dashboard(demo)
    assert board.state.modules_done >= 4
    assert board.state.in_progress
    assert StudySession.objects.filter(learner=demo).count() > 20
    assert Note.objects.filter(learner=demo).count() > 5
    assert board.forecast.state in {"behind", "on_track", "ahead"}
    assert board.hours.last_week > 0


def test_without_a_curriculum_it_makes_the_account_only():
    _seed()
    demo = User.objects.get(email=DEMO_EMAIL)
    assert not Plan.objects.filter(learner=demo).exists()


def test_the_demo_has_reviews_due_today_and_a_lesson_coming_back_this_week():
    from datetime import timedelta

    from django.utils import timezone

    from learners.review import queue
    from learners.review.models import Card, Review

    assert load(REPO / "curriculum" / "content").status == 0
    seed_lists()
    _seed()
    demo = User.objects.get(email=DEMO_EMAIL)
    today = queue.today(demo)
    assert today.due_today > 0
    assert Review.objects.filter(learner=demo).count() > 20  # a history, not fresh cards
    soon = timezone.now() + timedelta(days=7)
    assert Card.objects.filter(learner=demo, kind="lesson", due__lt=soon).exists()


def test_the_demo_learner_is_half_way_through_the_attention_papers_ledger():
    from learners.papers import ledger
    from learners.papers.models import Entry, EntryChange

    assert load(REPO / "curriculum" / "content").status == 0
    seed_lists()
    _seed()
    demo = User.objects.get(email=DEMO_EMAIL)
    paper = Module.objects.get(slug="paper-attention-is-all-you-need")
    reading = ledger.for_module(demo, paper)
    assert 0.4 <= reading.owned / reading.total <= 0.6
    assert reading.plausible and reading.unclear
    states = set(Entry.objects.filter(learner=demo, module=paper).values_list("how", flat=True))
    assert {"hand", "code", "source"} <= states
    assert EntryChange.objects.filter(learner=demo).count() > reading.owned
    assert [p.status for p in reading.passes] == ["done", "in_progress", "not_started"]
    assert [paper.module.slug for paper in ledger.for_dashboard(demo)] == [paper.slug]
