"""The mentor's read-only view of a learner's record: the learner's own pages under
/mentoring/<id>/, keeping to the scope the learner chose, changing nothing, logging the visit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from learners.experiments.models import ModuleMetric, Run
from learners.mentors import relationship
from learners.mentors.models import Share, Visit
from learners.models import Note, Plan, StudySession, User
from learners.record.models import Failure
from learners.review.models import Card, Kind
from tests.access_experiments import make_run
from tests.factories import make_learner, make_modules, make_plan
from tests.test_fuzz_forms import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(alice):
    """alice's record, half shared: one of each kind marked, one of each kept private."""
    modules = make_modules(2)
    plan = make_plan(alice, modules, goal="Become an NLP practitioner")
    module = modules[0]
    for shared in (True, False):
        word = "SHARED" if shared else "PRIVATE"
        Note.objects.create(
            learner=alice, module=module, body=f"{word} note", shared_with_mentors=shared
        )
        Failure.objects.create(
            learner=alice,
            module=module,
            title=f"{word} failure",
            lesson=f"{word} lesson",
            happened_on=alice.local_today(),
            shared_with_mentors=shared,
        )
        make_run(alice, module, name=f"{word} run", shared_with_mentors=shared)
    Card.objects.create(
        learner=alice, kind=Kind.QUESTION, module=module, question="PRIVATE card", answer="A"
    )
    # Rows reached through joins and foreign keys, which the filtered managers don't see: a
    # primary metric (the dashboard's two weeks of best runs), a shared run linked to a private
    # failure, a shared failure logged during a plan the mentor can't see, a session's words.
    ModuleMetric.objects.create(learner=alice, module=module, name="loss")
    make_run(alice, module, name="PRIVATE metric run", metrics={"loss": 1.0, "PRIVATE_acc": 0.5})
    make_run(
        alice,
        module,
        name="SHARED linked run",
        metrics={"loss": 2.0},
        shared_with_mentors=True,
        failure=Failure.objects.get(title="PRIVATE failure"),
    )
    old = Plan.objects.create(
        learner=alice,
        goal="PRIVATE old plan",
        start_date=plan.start_date - timedelta(weeks=20),
        target_end=plan.start_date - timedelta(weeks=8),
        weekly_hours=5,
        status="abandoned",
    )
    Failure.objects.create(
        learner=alice,
        module=module,
        plan=old,
        title="SHARED old failure",
        happened_on=alice.local_today(),
        shared_with_mentors=True,
    )
    StudySession.objects.create(
        learner=alice,
        module=module,
        date=alice.local_today(),
        minutes=30,
        description="PRIVATE session words",
    )
    mentor = make_learner("mentor@example.com", display_name="Mira")
    mentorship = relationship.accept(relationship.invite(alice, mentor.email), mentor)
    return {"plan": plan, "module": module, "mentor": mentor, "mentorship": mentorship}


def pages(record) -> dict[str, str]:
    base = f"/mentoring/{record['mentorship'].pk}"
    failure = Failure.objects.get(title="SHARED failure")
    run = Run.objects.get(name="SHARED run")
    slug = record["module"].slug
    return {
        "dashboard": f"{base}/",
        "plan": f"{base}/plans/{record['plan'].pk}/",
        "module": f"{base}/modules/{slug}/",
        "failures": f"{base}/failures/",
        "lessons": f"{base}/failures/lessons/",
        "failure": f"{base}/failures/{failure.pk}/",
        "timeline": f"{base}/timeline/",
        "runs": f"{base}/runs/",
        "compare": f"{base}/runs/compare/",
        "run": f"{base}/runs/{run.pk}/",
        "linked run": f"{base}/runs/{Run.objects.get(name='SHARED linked run').pk}/",
        "old failure": f"{base}/failures/{Failure.objects.get(title='SHARED old failure').pk}/",
        "module runs": f"{base}/modules/{slug}/runs/",
    }


def test_the_mentor_reads_what_is_shared_and_nothing_else(client, alice, record):
    client.force_login(record["mentor"])
    seen = ""
    for name, url in pages(record).items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert "PRIVATE" not in response.text, name
        assert response["Cache-Control"] == "private, no-store"
        seen += response.text
    for word in ("SHARED note", "SHARED failure", "SHARED lesson", "SHARED run"):
        assert word in seen, word
    assert "Become an NLP practitioner" in seen  # the plan, always visible


def test_the_pages_links_stay_inside_the_mount_and_name_the_mentor(client, alice, record):
    client.force_login(record["mentor"])
    base = f"/mentoring/{record['mentorship'].pk}/"
    page = client.get(pages(record)["failures"]).text
    failure = Failure.objects.get(title="SHARED failure")
    assert f'href="{base}failures/{failure.pk}/"' in page
    assert f'href="{base}modules/{record["module"].slug}/"' in page
    assert "You are reading" in page and alice.get_full_name() in page
    assert ">Mira<" in page  # the nav names the reader, not the learner
    # Every POST form the page carries is hidden and lands nowhere: the mount takes no POST.
    assert 'class="readonly"' in page
    for action in re.findall(r'<form method="post" action="([^"]+)"', page):
        assert action.startswith(base) or action == reverse("logout"), action


def test_a_mentor_changes_nothing_and_each_look_is_logged(client, alice, record):
    client.force_login(record["mentor"])
    before = snapshot()
    version = User.objects.get(pk=alice.pk).record_version
    urls = pages(record)
    for url in urls.values():
        client.get(url)
    module = record["module"].slug
    base = f"/mentoring/{record['mentorship'].pk}"
    for url in (f"{base}/", f"{base}/modules/{module}/status/", f"{base}/failures/"):
        assert client.post(url, {"status": "done"}).status_code in {404, 405}, url
    visits = Visit.objects.filter(mentorship=record["mentorship"])
    assert visits.count() == len(urls)
    # Visits are the mentorship's own rows, not the learner's record.
    assert snapshot() == before
    assert User.objects.get(pk=alice.pk).record_version == version


@pytest.mark.parametrize(
    ("share", "shown", "hidden"),
    [
        (Share.ALL, ["SHARED note", "PRIVATE note"], []),
        (Share.NONE, [], ["SHARED note", "PRIVATE note"]),
    ],
)
def test_the_scope_decides(client, alice, record, share, shown, hidden):
    mentorship = record["mentorship"]
    relationship.set_scope(
        mentorship, all_plans=True, plans=[], notes=share, failures=Share.NONE, runs=Share.NONE
    )
    client.force_login(record["mentor"])
    page = client.get(pages(record)["module"]).text
    for text in shown:
        assert text in page
    for text in [*hidden, "SHARED failure", "SHARED run"]:
        assert text not in page
    assert "PRIVATE card" not in page  # review is the learner's own practice


def test_a_plan_not_shared_is_not_shown(client, alice, record):
    relationship.set_scope(
        record["mentorship"],
        all_plans=False,
        plans=[],
        notes=Share.MARKED,
        failures=Share.MARKED,
        runs=Share.MARKED,
    )
    client.force_login(record["mentor"])
    assert "Become an NLP practitioner" not in client.get(pages(record)["dashboard"]).text
    assert client.get(pages(record)["plan"]).status_code == 404


def test_no_one_else_reads_it(client, alice, bob, record):
    urls = pages(record)
    client.force_login(bob)
    assert client.get(urls["dashboard"]).status_code == 404
    client.force_login(alice)  # the learner herself mentors nobody
    assert client.get(urls["dashboard"]).status_code == 404
    client.logout()
    assert client.get(urls["dashboard"])["Location"].startswith("/login/")
    relationship.end(record["mentorship"])
    client.force_login(record["mentor"])
    for url in urls.values():
        assert client.get(url).status_code == 404, url


def test_the_demo_mentor_reads_the_demo_learners_shared_record(client, demo_mentorship):
    mentorship = demo_mentorship
    client.force_login(mentorship.mentor)
    home = client.get("/mentoring/").text
    assert "Alex (demo)" in home and "week" in home
    failures = client.get(f"/mentoring/{mentorship.pk}/failures/").text
    shared = Failure.objects.filter(learner=mentorship.learner, shared_with_mentors=True)
    private = Failure.objects.filter(learner=mentorship.learner, shared_with_mentors=False)
    assert shared.count() == 1 and private.filter(title__contains="PRIVATE").exists()
    for failure in shared:
        assert escape(failure.title) in failures
    for failure in private:
        assert escape(failure.title) not in failures
    # Two of Sam's comments, one request answered and one open, each where it belongs.
    from learners.mentors.models import Comment, ReviewRequest

    assert Comment.objects.filter(mentorship=mentorship, request=None, by_mentor=True).count() == 2
    requests = ReviewRequest.objects.filter(mentorship=mentorship)
    assert sorted(requests.values_list("status", flat=True)) == ["answered", "open"]
    assert requests.get(status="answered").thread.filter(by_mentor=True).exists()
    assert "Open review requests" in home and "mask must be applied" in home
    shared_failure = shared.get()
    page = client.get(f"/mentoring/{mentorship.pk}/failures/{shared_failure.pk}/").text
    assert "a bug you can replay" in page and "PRIVATE" not in page
    client.force_login(mentorship.learner)
    inbox = client.get("/mentors/").text
    assert "cosine schedule" in inbox and "Answered" in inbox and "Open" in inbox


def test_a_mentor_reading_a_paper_page_makes_no_ledger_entries(client, alice, record):
    from learners.papers.models import Entry
    from tests.factories import make_paper

    paper = make_paper(3, slug="paper-read")
    client.force_login(record["mentor"])
    page = client.get(f"/mentoring/{record['mentorship'].pk}/modules/{paper.slug}/")
    assert page.status_code == 200
    assert not Entry.objects.filter(learner=alice).exists()
    client.force_login(alice)
    client.get(paper.get_absolute_url())
    assert Entry.objects.filter(learner=alice, module=paper).count() == 3


def _grow(learner, module, n: int) -> None:
    """`n` more shared and private notes, failures, runs, sessions and mentor comments."""
    import random

    rng = random.Random(n)
    today = learner.local_today()
    Note.objects.bulk_create(
        Note(
            learner=learner,
            module=module,
            body=f"note {i}",
            body_html=f"<p>note {i}</p>",
            shared_with_mentors=i % 2 == 0,
        )
        for i in range(n)
    )
    Failure.objects.bulk_create(
        Failure(
            learner=learner,
            module=module,
            title=f"failure {i}",
            happened_on=today - timedelta(days=rng.randrange(200)),
            shared_with_mentors=i % 2 == 0,
        )
        for i in range(n)
    )
    Run.objects.bulk_create(
        Run(learner=learner, module=module, name=f"run {i}", shared_with_mentors=i % 2 == 0)
        for i in range(n)
    )
    StudySession.objects.bulk_create(
        StudySession(
            learner=learner,
            module=module,
            date=today - timedelta(days=rng.randrange(300)),
            minutes=rng.randrange(15, 120),
        )
        for _ in range(n)
    )


def test_the_read_only_view_costs_the_same_queries_for_10_or_1000_records(client, alice, record):
    """Each page a mentor reads, with 10 records of each kind and then 1,000 (half shared, and
    mentor comments on the module and its notes): the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learners.mentors import threads

    module, mentorship = record["module"], record["mentorship"]
    client.force_login(record["mentor"])
    urls = pages(record)

    def counts() -> dict[str, int]:
        found = {}
        for name, url in urls.items():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, name
            found[name] = len(queries)
        return found

    _grow(alice, module, 10)
    threads.comment(mentorship, record["mentor"], module, "on the module")
    small = counts()
    _grow(alice, module, 990)
    for note in Note.objects.filter(shared_with_mentors=True)[:50]:
        threads.comment(mentorship, record["mentor"], note, f"on {note.body}")
    assert counts() == small
