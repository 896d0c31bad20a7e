"""The dashboard's sections kept under one concern's version (learners/web/pagecache.py,
CONCERNS): the hours, quick log, failures, runs and papers are served again after a write that
can't have changed them, and never after one that can.

The proof of "never stale" is the page itself: after each kind of write, the dashboard built
from what is still cached is the dashboard built from nothing, token for token aside.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learners.experiments.models import ModuleMetric
from learners.mentors.models import Comment, Mentorship
from learners.models import ModuleProgress, PlanPause, StudySession, User
from learners.papers.models import Entry
from learners.record.models import Failure
from learners.review import summary as review_summary
from learners.review.models import Card, Kind, PausedModule
from learners.web import pagecache
from tests.access_experiments import make_run
from tests.factories import make_learner, make_modules, make_paper, make_plan
from tests.test_pagecache import _without_tokens

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(client, alice):
    """A learner whose dashboard shows every concern: sessions, a failure, a run, a paper in
    progress with a ledger entry."""
    modules = make_modules(3, checkpoints=3)
    paper = make_paper(items=3)
    plan = make_plan(alice, [*modules, paper])
    today = alice.local_today()
    StudySession.objects.create(learner=alice, module=modules[0], date=today, minutes=45)
    ModuleProgress.objects.update_or_create(
        learner=alice, module=modules[0], defaults={"status": "in_progress"}
    )
    ModuleMetric.objects.create(learner=alice, module=modules[0], name="loss")
    Failure.objects.create(
        learner=alice, module=modules[0], plan=plan, title="NaN loss", happened_on=today
    )
    make_run(alice, modules[0], name="baseline", metrics={"loss": 2.5})
    ModuleProgress.objects.update_or_create(
        learner=alice, module=paper, defaults={"status": "in_progress"}
    )
    Entry.objects.create(learner=alice, module=paper, kind="claim", section="§1", words="Mine")
    Card.objects.create(
        learner=alice,
        kind=Kind.QUESTION,
        module=modules[0],
        question="What does the forget gate do?",
        due=timezone.now() + timedelta(hours=2),
    )
    client.force_login(alice)
    return {"alice": alice, "modules": modules, "paper": paper, "plan": plan}


def versions(user) -> dict[str, int]:
    fields = ["record_version", *User.CONCERN_VERSIONS]
    return User.objects.filter(pk=user.pk).values(*fields).get()


def dashboard(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    return len(captured), response.text


def afresh(client) -> tuple[int, str]:
    caches[pagecache.CACHE].clear()
    return dashboard(client)


def _tick(client, world, ticked: bool = True):
    module = world["modules"][0]
    checkpoint = module.checkpoints.first()
    data = {"page": "dashboard", **({"ticked": "on"} if ticked else {})}
    client.post(f"/modules/{module.slug}/checkpoints/{checkpoint.key}/", data, headers=HTMX)


def _status(client, world):
    module = world["modules"][0]  # in progress until now: the capture form starts on it
    data = {"status": "done", "page": "dashboard"}
    client.post(f"/modules/{module.slug}/status/", data, headers=HTMX)


def _paper_done(client, world):
    data = {"status": "done", "page": "dashboard"}
    client.post(f"/modules/{world['paper'].slug}/status/", data, headers=HTMX)


def _confidence(client, world):
    data = {"confidence": "4", "page": "dashboard"}
    client.post(f"/modules/{world['modules'][0].slug}/confidence/", data, headers=HTMX)


def _note(client, world):
    data = {"body": "A note", "page": "dashboard"}
    client.post(f"/modules/{world['modules'][0].slug}/notes/", data, headers=HTMX)


def _session(client, world):
    data = {
        "session-date": world["alice"].local_today().isoformat(),
        "session-minutes": "30",
        "session-module": str(world["modules"][1].pk),
        "session-description": "Backprop by hand",
        "page": "dashboard",
    }
    client.post("/sessions/", data, headers=HTMX)


def _failure(client, world):
    data = {
        "capture-module": world["modules"][1].slug,
        "capture-title": "Exploding gradients",
        "capture-category": "bug",
        "page": "dashboard",
    }
    client.post("/failures/capture/", data, headers=HTMX)


def _run(client, world):
    make_run(world["alice"], world["modules"][0], name="with dropout", metrics={"loss": 1.875})


def _entry(client, world):
    Entry.objects.create(
        learner=world["alice"],
        module=world["paper"],
        kind="claim",
        section="§2",
        state="checked",
        how="hand",
    )


def _card(client, world):
    Card.objects.create(
        learner=world["alice"], kind=Kind.QUESTION, module=world["modules"][1], question="Why?"
    )


def _pause_reviews(client, world):
    PausedModule.objects.create(learner=world["alice"], module=world["modules"][0])


def _pause(client, world):
    today = world["alice"].local_today()
    PlanPause.objects.create(
        plan=world["plan"], starts_on=today, resumes_on=today + timedelta(days=7)
    )


def _account(client, world):
    alice = User.objects.get(pk=world["alice"].pk)
    alice.weekly_hours_target = 3
    alice.display_name = "Alice L."
    alice.save()


def _mentor_comment(client, world):
    mentor = make_learner("mentor@example.com")
    mentorship = Mentorship.objects.create(
        learner=world["alice"], mentor=mentor, email=mentor.email, status="active"
    )
    failure = Failure.objects.get(learner=world["alice"], title="NaN loss")
    Comment.objects.create(
        mentorship=mentorship,
        author=mentor,
        by_mentor=True,
        author_name="Mentor",
        failure=failure,
        body="Check the lr",
    )


WRITES = {
    "tick": _tick,
    "status": _status,
    "paper done": _paper_done,
    "confidence": _confidence,
    "note": _note,
    "session": _session,
    "failure": _failure,
    "run": _run,
    "ledger entry": _entry,
    "question card": _card,
    "reviews paused": _pause_reviews,
    "pause": _pause,
    "account": _account,
    "mentor comment": _mentor_comment,
}


@pytest.mark.parametrize("write", WRITES)
def test_after_every_kind_of_write_the_dashboard_is_the_one_built_afresh(client, world, write):
    dashboard(client)  # every section cached
    WRITES[write](client, world)
    _, served = dashboard(client)
    _, built = afresh(client)
    assert _without_tokens(served) == _without_tokens(built)


@pytest.mark.parametrize(
    ("write", "shown"),
    [
        (_session, "Backprop by hand"),
        (_failure, "Exploding gradients"),
        (_run, "1.875"),
    ],
)
def test_what_a_write_adds_shows_on_the_next_dashboard(client, world, write, shown):
    assert shown not in dashboard(client)[1]
    write(client, world)
    assert shown in dashboard(client)[1]


def test_a_status_moves_the_papers_in_progress_and_where_the_capture_form_starts(client, world):
    first, second = (module.slug for module in world["modules"][:2])
    page = dashboard(client)[1]
    assert 'id="papers-summary"' in page
    assert re.search(rf'<option value="{first}" selected>', page)
    _paper_done(client, world)
    _status(client, world)
    page = dashboard(client)[1]
    assert 'id="papers-summary"' not in page  # a finished paper is no longer in progress
    assert re.search(rf'<option value="{second}" selected>', page)


def test_a_tick_moves_the_record_and_leaves_every_concern_alone(client, world):
    _tick(client, world)  # the first tick of a checkpoint makes its review card
    _tick(client, world, ticked=False)
    before = versions(world["alice"])
    _tick(client, world)
    after = versions(world["alice"])
    assert after["record_version"] == before["record_version"] + 1
    assert {k: after[k] for k in User.CONCERN_VERSIONS} == {
        k: before[k] for k in User.CONCERN_VERSIONS
    }


def test_the_first_tick_of_a_checkpoint_moves_the_reviews_with_its_new_card(client, world):
    before = versions(world["alice"])
    _tick(client, world)
    after = versions(world["alice"])
    assert {k for k in User.CONCERN_VERSIONS if after[k] != before[k]} == {"review_version"}


@pytest.mark.parametrize(
    ("write", "moved"),
    [
        (_session, {"sessions_version"}),
        (_failure, {"failures_version", "review_version"}),  # a lesson card needs its lesson
        (_run, {"runs_version"}),
        (_entry, {"papers_version"}),
        (_status, {"failures_version", "papers_version", "review_version"}),  # a card for it
        (_card, {"review_version"}),
        (_pause_reviews, set(User.CONCERN_VERSIONS)),  # not listed either
        (_confidence, set()),
        (_note, set()),
        (_pause, set(User.CONCERN_VERSIONS)),  # not listed: every concern moves
        (_account, set(User.CONCERN_VERSIONS)),
        (_mentor_comment, set(User.CONCERN_VERSIONS)),
    ],
)
def test_each_write_moves_the_concerns_it_can_change(client, world, write, moved):
    before = versions(world["alice"])
    write(client, world)
    after = versions(world["alice"])
    assert after["record_version"] > before["record_version"]
    assert {k for k in User.CONCERN_VERSIONS if after[k] != before[k]} == moved


def test_the_first_dashboard_after_a_tick_builds_only_the_plan_again(client, world):
    _tick(client, world)  # its review card is made
    _tick(client, world, ticked=False)
    cold, _ = afresh(client)
    _tick(client, world)
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    read = [query["sql"].split(" FROM ")[1].split()[0].strip('"') for query in captured]
    # The session, the user, the plan and its pauses, progress, ticks, the hours logged since
    # the plan began (its pace) and the timer; the hours card, recent sessions, reviews,
    # failures, runs and papers are cached.
    assert read == [
        "django_session",
        "learners_user",
        "learners_plan",
        "learners_planpause",
        "learners_moduleprogress",
        "learners_checkpointtick",
        "learners_studysession",
        "learners_timer",
    ], read
    # Afresh the page reads 14 more: the hours card, recent sessions, reviews, failures, runs
    # and papers (one query since 2026-12-04, three before).
    assert cold == len(read) + 14
    for ticked in (False, True, False):  # the same each time: nothing accumulates
        _tick(client, world, ticked)
        assert dashboard(client)[0] == len(read)


def test_a_bulk_write_that_calls_touch_moves_every_concern(world):
    before = versions(world["alice"])
    Failure.objects.filter(learner=world["alice"]).update(resolved=True, resolved_at=timezone.now())
    pagecache.touch(world["alice"].pk)
    after = versions(world["alice"])
    assert all(after[k] == before[k] + 1 for k in User.CONCERN_VERSIONS)


def test_a_curriculum_change_moves_every_learners_concerns(world, bob):
    before = versions(bob)
    pagecache.touch_everyone()
    after = versions(bob)
    assert all(after[k] == before[k] + 1 for k in ["record_version", *User.CONCERN_VERSIONS])


def test_every_concern_has_a_version_and_names_only_rows_the_learner_owns():
    from learners.lib.ownership import OWNED

    owned = {model._meta.label_lower for model in OWNED}
    for concern, unchanged in pagecache.CONCERNS.items():
        assert User.version_field(concern) in User.CONCERN_VERSIONS
        assert unchanged <= owned, unchanged - owned
    with pytest.raises(ValueError, match="no version"):
        User.version_field("everything")


def test_a_section_is_not_served_to_another_day(client, world, time_machine):
    dashboard(client)
    time_machine.move_to(timezone.now() + timedelta(days=1))
    _, served = dashboard(client)
    _, built = afresh(client)
    assert _without_tokens(served) == _without_tokens(built)


def test_the_reviews_are_kept_only_until_the_next_card_falls_due(client, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    dashboard(client)
    _note(client, world)  # the page is built again; the reviews' concern is left alone
    cached, _ = dashboard(client)
    _note(client, world)
    time_machine.shift(timedelta(hours=2, minutes=1))  # the card is due now
    rebuilt, served = dashboard(client)
    assert rebuilt == cached + review_summary.DASHBOARD_QUERIES
    _, built = afresh(client)
    assert _without_tokens(served) == _without_tokens(built)
