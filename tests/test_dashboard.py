"""`/`: the landing page for visitors, the dashboard for learners, and its query count."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from learners.experiments import summary as experiments
from learners.mentors import sections as mentor_sections
from learners.models import Note, Status, StudySession
from learners.papers import ledger as papers
from learners.record import summary as record
from learners.review import summary as review
from learners.study.progress import set_status, set_tick
from tests.factories import make_list, make_modules, make_plan

pytestmark = pytest.mark.django_db


def test_visitors_get_the_landing_page_with_public_lists(client):
    make_list(make_modules(2), title="NLP in 12 weeks")
    make_list(make_modules(1, prefix="x"), slug="hidden", title="Draft track", published=False)
    page = client.get("/").text
    assert "Teach yourself machine learning" in page
    assert "NLP in 12 weeks" in page
    assert "Draft track" not in page


def test_a_learner_without_a_plan_is_shown_how_to_start_one(client, alice):
    make_list(make_modules(2), title="NLP in 12 weeks")
    client.force_login(alice)
    page = client.get("/").text
    assert "Start a plan from a track" in page
    assert 'href="/plans/new/?list=track"' in page


def test_the_dashboard_shows_the_plan_header_next_up_and_hours(client, alice):
    modules = make_modules(3)
    make_plan(alice, modules, goal="A chatbot of my own")
    set_status(alice, modules[0], Status.DONE)
    set_tick(alice, modules[1].checkpoints.first(), True)
    StudySession.objects.create(
        learner=alice, module=modules[1], date=alice.local_today(), minutes=90
    )
    client.force_login(alice)

    page = client.get("/").text

    assert "A chatbot of my own" in page
    assert "Week 1 of 12" in page
    assert '<strong data-count="checkpoints">4</strong> of 9' in page  # done counts all of its own
    assert '<strong data-count="modules">1</strong> of 3' in page
    assert '<strong data-count="hours-week">1.5</strong> of 10 hours' in page
    assert "Module m 0001" in page.split('id="next-up"')[1].split("</section>")[0]
    assert "<svg" in page  # the charts
    assert "Checkpoint 1" in page  # next up's next checkpoint


def test_next_ups_module_is_not_listed_again_under_it(client, alice):
    modules = make_modules(4, checkpoints=3)
    # No prerequisites among them here: any unfinished module can be next.
    for module in modules:
        module.prerequisites.clear()
    make_plan(alice, modules)
    set_tick(alice, modules[0].checkpoints.first(), True)  # next up, in progress
    client.force_login(alice)
    page = client.get("/").text
    assert '<section id="in-progress" aria-labelledby="in-progress-heading" hidden>' in page

    set_tick(alice, modules[2].checkpoints.first(), True)  # another in progress
    page = client.get("/").text
    others = page.split('id="in-progress"')[1].split("</section>")[0]
    assert "Also in progress" in others
    assert "Module m 0002" in others
    assert "Module m 0000" not in others  # it is Next up's
    assert "Module m 0000" in page.split('id="next-up"')[1].split("</section>")[0]


@pytest.mark.parametrize(
    ("minutes", "shown", "percent", "to_go"),
    [(45, "0.8", "8%", "9.2 h to go"), (15, "0.3", "3%", "9.7 h to go"), (597, "10.0", "100%", "")],
)
def test_the_weeks_hours_follow_one_rounding_rule_and_add_up(
    client, alice, minutes, shown, percent, to_go
):
    make_plan(alice, make_modules(1), weekly_hours=10)
    StudySession.objects.create(learner=alice, date=alice.local_today(), minutes=minutes)
    client.force_login(alice)
    card = client.get("/").text.split('id="hours-week"')[1].split("</section>")[0]
    assert f'<strong data-count="hours-week">{shown}</strong> of 10 hours' in card
    assert f"<span>{percent}</span>" in card
    if to_go:
        assert to_go in card
    else:  # 9.95 hours shows as 10.0: the card says the target is reached, not "0.1 h to go"
        assert "Target reached." in card and "to go" not in card


def test_an_empty_week_says_what_to_do(client, alice):
    make_plan(alice, make_modules(1))
    client.force_login(alice)
    assert "No study time logged this week yet" in client.get("/").text


def test_the_dashboard_only_shows_the_learners_own_data(client, alice, bob):
    modules = make_modules(2)
    make_plan(alice, modules, goal="Alice's goal")
    make_plan(bob, modules, goal="Bob's goal")
    StudySession.objects.create(
        learner=bob, date=bob.local_today(), minutes=600, description="bob was here"
    )
    client.force_login(alice)
    page = client.get("/").text
    assert "Alice&#x27;s goal" in page
    assert "Bob" not in page
    assert "bob was here" not in page


def _history(learner, modules, sessions: int, notes: int) -> None:
    rng = random.Random(sessions)
    today = learner.local_today()
    StudySession.objects.bulk_create(
        StudySession(
            learner=learner,
            module=rng.choice(modules),
            date=today - timedelta(days=rng.randrange(365)),
            minutes=rng.randrange(15, 180),
        )
        for _ in range(sessions)
    )
    Note.objects.bulk_create(
        Note(
            learner=learner,
            module=rng.choice(modules),
            body=f"note {i}",
            body_html=f"<p>note {i}</p>",
        )
        for i in range(notes)
    )
    for module in modules[: len(modules) // 2]:
        set_tick(learner, module.checkpoints.first(), True)


@pytest.mark.parametrize(("sessions", "notes"), [(10, 10), (1000, 1000)])
def test_the_dashboard_query_count_does_not_grow_with_history(
    client, alice, django_assert_num_queries, sessions, notes
):
    modules = make_modules(40, checkpoints=6)
    make_plan(alice, modules)
    _history(alice, modules, sessions, notes)
    client.force_login(alice)
    # session, user, active plan, plan state (items+modules, checkpoints, progress, ticks,
    # prerequisites), minutes by day, logged hours since the start, pauses, timer, recent sessions,
    # the quick-log form's modules; then what the record, experiments, review and papers
    # sections cost
    with django_assert_num_queries(
        14
        + record.DASHBOARD_QUERIES
        + experiments.DASHBOARD_QUERIES
        + review.DASHBOARD_QUERIES
        + papers.DASHBOARD_QUERIES
    ):
        response = client.get("/")
    assert response.status_code == 200


@pytest.mark.parametrize(("sessions", "notes"), [(10, 10), (1000, 1000)])
def test_the_module_page_query_count_does_not_grow_with_history(
    client, alice, django_assert_num_queries, sessions, notes
):
    modules = make_modules(40, checkpoints=6)
    make_plan(alice, modules)
    _history(alice, modules[:1], sessions, notes)
    client.force_login(alice)
    # session, user; module, topics, prerequisites, checkpoints; progress, ticks, active plan,
    # its item, notes, sessions, their total, confidence ratings, timer; then the record,
    # experiments, review and mentors' sections
    with django_assert_num_queries(
        15
        + record.MODULE_QUERIES
        + experiments.MODULE_QUERIES
        + review.MODULE_QUERIES
        + mentor_sections.PAGE_QUERIES
    ):
        response = client.get(f"/modules/{modules[0].slug}/")
    assert response.status_code == 200
    assert "Your progress" in response.text


def test_in_development_the_landing_page_says_the_demo_login_after_the_servers_banner(
    client, settings
):
    # `make run` prints it above runserver's banner and warning, where it scrolls away.
    from learners.demo import DEMO_EMAIL, DEMO_PASSWORD
    from tests.factories import make_learner

    settings.DEBUG = True
    assert "Demo: log in as" not in client.get("/").text  # no demo learner yet
    make_learner(DEMO_EMAIL)
    footer = client.get("/").text.split('<footer class="site-footer">')[1]
    assert f"Demo: log in as <strong>{DEMO_EMAIL}</strong>" in footer
    assert f"<strong>{DEMO_PASSWORD}</strong>" in footer
    settings.DEBUG = False  # production: never
    assert DEMO_PASSWORD not in client.get("/").text
