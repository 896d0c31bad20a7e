"""The dashboard's plan rows, cached by what they show (`{% cache %}` in
templates/dashboard/_module_row.html and the whole plan's list in home.html, keyed by
ModuleState.row_key and PlanState.rows_key, in the fragments cache).

A key names everything a row shows, so a row whose module, status, ticks, confidence or link
changed is another key and is drawn again, and the same key is the same HTML in any process.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches

from learners.models import PlanItem
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
PROGRESS = "plans/_module_progress.html"  # drawn inside each row: counts the rows drawn


@pytest.fixture
def modules():
    return make_modules(4, checkpoints=3)


@pytest.fixture
def plan(alice, modules):
    return make_plan(alice, modules)


@pytest.fixture
def logged_in(client, alice, plan):
    client.force_login(alice)
    return client


def afresh(client):
    caches["pages"].clear()
    response = client.get("/")
    assert response.status_code == 200
    return response


def drawn(response) -> int:
    return sum(1 for template in response.templates if template.name == PROGRESS)


def row(page: str, module) -> str:
    start = page.index(f'id="plan-row-{module.pk}"')
    return page[start : page.index("</li>", start)]


def test_the_rows_are_drawn_once_and_then_given_back_the_same(logged_in):
    first = afresh(logged_in)
    second = afresh(logged_in)
    assert drawn(first) >= 4 and drawn(second) < drawn(first)
    # Next up still draws its own progress bar; no plan row is drawn again.
    assert drawn(second) == 1
    assert first.text.split('id="plan-rest"')[1] == second.text.split('id="plan-rest"')[1]


def test_the_cached_page_is_the_page_drawn_without_the_cache(logged_in):
    afresh(logged_in)
    cached = afresh(logged_in).text
    caches["fragments"].clear()
    assert afresh(logged_in).text.split('id="plan-rest"')[1] == cached.split('id="plan-rest"')[1]


def test_a_tick_draws_its_row_again_and_no_other(logged_in, modules):
    afresh(logged_in)
    checkpoint = modules[1].checkpoints.first()
    response = logged_in.post(
        f"/modules/{modules[1].slug}/checkpoints/{checkpoint.key}/",
        {"ticked": "on", "page": "dashboard"},
        headers=HTMX,
    )
    assert "1 of 3 checkpoints" in row(response.text, modules[1])
    page = afresh(logged_in)
    assert "1 of 3 checkpoints" in row(page.text, modules[1])
    assert "0 of 3 checkpoints" in row(page.text, modules[2])
    # The ticked row twice (the whole plan's, and Also in progress's now that the module has
    # started) and Next up's bar: the other three rows come from the cache.
    assert drawn(page) == 3


def test_a_status_and_a_confidence_show_in_the_row(logged_in, modules):
    afresh(logged_in)
    logged_in.post(f"/modules/{modules[2].slug}/status/", {"status": "skipped"}, headers=HTMX)
    logged_in.post(f"/modules/{modules[3].slug}/confidence/", {"confidence": "2"}, headers=HTMX)
    page = afresh(logged_in).text
    assert "status-badge-skipped" in row(page, modules[2])
    assert "confidence 2/5" in row(page, modules[3])


def test_a_module_made_optional_or_moved_shows_in_the_plan(logged_in, plan, modules):
    afresh(logged_in)
    PlanItem.objects.filter(plan=plan, module=modules[3]).update(required=False)
    # A bulk update sends no signal; what the page shows is still read afresh (required is on
    # the item), and the row's key holds it.
    from learners.web.pagecache import touch

    touch(plan.learner_id)
    page = afresh(logged_in).text
    assert '<span class="badge">optional</span>' in row(page, modules[3])
    item = PlanItem.objects.get(plan=plan, module=modules[3])
    logged_in.post(f"/plans/{plan.pk}/items/{item.pk}/move/", {"direction": "up"})
    page = afresh(logged_in).text
    assert page.index(f'id="plan-row-{modules[3].pk}"') < page.index(
        f'id="plan-row-{modules[2].pk}"'
    )


def test_a_new_title_from_the_curriculum_shows_in_the_row(client, alice, tmp_path):
    from curriculum.models import Module
    from tests.curriculum_helpers import load, module_file, write

    write(tmp_path, "lm.md", module_file("lm", title="First title"))
    assert load(tmp_path).status == 0
    make_plan(alice, [Module.objects.get(slug="lm")])
    client.force_login(alice)
    afresh(client)
    write(tmp_path, "lm.md", module_file("lm", title="A brand-new title"))
    assert load(tmp_path).status == 0
    page = afresh(client).text
    assert "A brand-new title" in row(page, Module.objects.get(slug="lm"))


def test_the_key_names_what_the_row_shows(alice, plan, modules):
    from learners.plans.state import load_plan_state

    state = load_plan_state(plan)
    keys = {s.row_key for s in state.modules}
    assert len(keys) == len(modules)  # each module its own
    first = state.modules[0]
    assert str(first.module.pk) in first.row_key and first.module.title in first.row_key
    assert first.module.get_absolute_url() in first.row_key  # a mentor's mount is another key
    again = load_plan_state(plan)
    assert again.rows_key == state.rows_key  # the same rows: the same key, in any process
    modules[0].checkpoints.first().ticks.create(learner=alice)
    moved = load_plan_state(plan)
    assert moved.modules[0].row_key != first.row_key and moved.rows_key != state.rows_key


@pytest.fixture
def mentored(alice):
    from tests.test_mentor_view import record

    return record.__wrapped__(alice)


def plan_rest(page: str) -> str:
    return page.split('id="plan-rest"')[1].split("</section>")[0]


def test_rows_drawn_for_a_mentor_are_theirs_and_the_learners_are_the_learners(
    client, alice, mentored
):
    base = f"/mentoring/{mentored['mentorship'].pk}/"

    def both() -> tuple[str, str]:
        client.force_login(alice)
        own = afresh(client).text
        client.force_login(mentored["mentor"])
        caches["pages"].clear()
        theirs = client.get(base).text
        return plan_rest(own), plan_rest(theirs)

    cached = both()  # the learner's rows first, then the mentor's: each from the other's cache
    cached_again = both()
    caches["fragments"].clear()
    client.force_login(mentored["mentor"])
    caches["pages"].clear()
    mentor_alone = plan_rest(client.get(base).text)
    caches["fragments"].clear()
    client.force_login(alice)
    learner_alone = plan_rest(afresh(client).text)
    assert cached == cached_again == (learner_alone, mentor_alone)
