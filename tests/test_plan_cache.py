"""The cached plan shape (learners/plans/state.py, `cached_shape`): a plan's items, modules,
checkpoints and prerequisites kept under the learner's `plan_version`, while progress and ticks
are read afresh on every request.

Every write that changes a shape moves the version (a plan item added, dropped or moved, a
plan started or ended, the curriculum loaded again), so the next request reads the new shape;
a tick, a status or a session leaves the shape cached and still shows at once.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from learners.lib import reader
from learners.models import PlanItem, User
from learners.plans import state as plan_state
from learners.plans.changes import end_plan
from learners.web import pagecache
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def modules():
    return make_modules(4, checkpoints=3)


@pytest.fixture
def plan(alice, modules):
    return make_plan(alice, modules[:3])


@pytest.fixture
def logged_in(client, alice, plan):
    client.force_login(alice)
    return client


def afresh(client, path: str = "/") -> tuple[int, str]:
    """The page as the first look after a write sees it: nothing in the page cache."""
    from django.core.cache import caches

    caches["pages"].clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.text


def version(user: User) -> int:
    return User.objects.get(pk=user.pk).plan_version


def test_the_second_dashboard_reads_the_shape_from_the_cache(logged_in):
    cold, first = afresh(logged_in)
    warm, second = afresh(logged_in)
    # The three shape queries (items with modules, checkpoints, prerequisites) are not made.
    assert warm == cold - 3
    assert first.count('class="module-row') == second.count('class="module-row')


def test_a_tick_shows_at_once_with_the_shape_cached(logged_in, alice, modules):
    afresh(logged_in)
    before = version(alice)
    checkpoint = modules[0].checkpoints.first()
    response = logged_in.post(
        f"/modules/{modules[0].slug}/checkpoints/{checkpoint.key}/",
        {"ticked": "on", "page": "dashboard"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert '<strong data-count="checkpoints">1</strong>' in response.text
    assert version(alice) == before  # a tick leaves the shape as it was
    _, page = afresh(logged_in)
    assert '<strong data-count="checkpoints">1</strong>' in page


def test_a_status_and_a_confidence_show_at_once(logged_in, modules):
    afresh(logged_in)
    logged_in.post(f"/modules/{modules[1].slug}/status/", {"status": "done"}, headers=HTMX)
    logged_in.post(f"/modules/{modules[1].slug}/confidence/", {"confidence": "4"}, headers=HTMX)
    _, page = afresh(logged_in)
    assert '<strong data-count="modules">1</strong>' in page
    assert "confidence 4/5" in page


def test_a_module_added_through_the_plan_page_shows_on_the_dashboard(
    logged_in, alice, plan, modules
):
    _, page = afresh(logged_in)
    assert modules[3].title not in page
    before = version(alice)
    response = logged_in.post(f"/plans/{plan.pk}/items/", {"module": modules[3].slug})
    assert response.status_code == 302
    assert version(alice) == before + 1
    _, page = afresh(logged_in)
    assert modules[3].title in page


def test_a_module_dropped_or_moved_shows_on_the_dashboard(logged_in, plan, modules):
    afresh(logged_in)
    first = PlanItem.objects.get(plan=plan, module=modules[0])
    logged_in.post(f"/plans/{plan.pk}/items/{first.pk}/move/", {"direction": "down"})
    _, page = afresh(logged_in)
    assert page.index(f'id="plan-row-{modules[1].pk}"') < page.index(
        f'id="plan-row-{modules[0].pk}"'
    )
    logged_in.post(f"/plans/{plan.pk}/items/{first.pk}/remove/")
    _, page = afresh(logged_in)
    assert f'id="plan-row-{modules[0].pk}"' not in page


def test_an_item_changed_outside_any_request_shows_on_the_next_look(logged_in, plan, modules):
    afresh(logged_in)
    PlanItem.objects.create(plan=plan, module=modules[3], position=3)  # the shell, the admin
    _, page = afresh(logged_in)
    assert modules[3].title in page


def test_a_plan_ended_and_a_new_one_started_shows_the_new_shape(logged_in, alice, plan, modules):
    afresh(logged_in)
    end_plan(plan, "finished")
    make_plan(alice, [modules[3]], goal="The second plan")
    _, page = afresh(logged_in)
    assert "The second plan" in page
    assert modules[3].title in page and modules[0].title not in page


def test_a_curriculum_load_moves_every_learners_shape(client, alice, bob, tmp_path):
    from curriculum.models import Module
    from tests.curriculum_helpers import load, module_file, write

    body = "# lm\n\nAbout lm.\n\n- [ ] The first checkpoint\n"
    write(tmp_path, "lm.md", module_file("lm", title="First title", body=body))
    assert load(tmp_path).status == 0
    make_plan(alice, [Module.objects.get(slug="lm")])
    client.force_login(alice)
    _, page = afresh(client)
    assert "First title" in page and "The first checkpoint" in page
    versions = version(alice), version(bob)
    body = body.replace("The first checkpoint", "A checkpoint said again")
    write(tmp_path, "lm.md", module_file("lm", title="A brand-new title", body=body))
    assert load(tmp_path).status == 0
    assert (version(alice), version(bob)) == (versions[0] + 1, versions[1] + 1)
    _, page = afresh(client)
    assert "A brand-new title" in page and "First title" not in page
    assert "A checkpoint said again" in page


def test_the_queries_stay_the_same_as_the_plan_and_history_grow(client, alice):
    counts = []
    for size in (3, 12):
        modules = make_modules(size, prefix=f"grow{size}", checkpoints=5)
        plan = make_plan(alice, modules, goal=f"Plan of {size}")
        client.force_login(alice)
        afresh(client)  # fills the shape
        counts.append(afresh(client)[0])
        end_plan(plan, "abandoned")
    assert counts[0] == counts[1]


def test_saving_the_account_never_writes_back_an_older_plan_version(alice, plan, modules):
    stale = User.objects.get(pk=alice.pk)  # read by one request …
    PlanItem.objects.create(plan=plan, module=modules[3], position=3)  # … another edits the plan
    moved = version(alice)
    stale.display_name = "Alice"
    stale.save()  # the first request saves the account
    assert version(alice) == moved
    stale.refresh_from_db()
    assert stale.display_name == "Alice"


def test_a_new_account_saves_with_every_field(db):
    user = User.objects.create_user("new@example.com", "a-long-password-1")
    user.display_name = "New"
    user.save()
    assert User.objects.get(pk=user.pk).display_name == "New"


def in_request(view):
    """Run `view` inside RecordVersionMiddleware, as a request would."""
    request = RequestFactory().get("/")
    pagecache.RecordVersionMiddleware(lambda request: view() or HttpResponse())(request)


def test_the_cache_is_used_only_inside_a_request(alice, plan):
    assert plan_state.cached_shape(plan, alice) is None  # a command, the weekly email
    seen = []
    in_request(lambda: seen.append(plan_state.cached_shape(plan, alice)))
    assert seen[0] is not None


def test_a_request_that_changed_the_shape_reads_it_afresh(alice, plan, modules):
    seen = []

    def view():
        seen.append(plan_state.cached_shape(plan, alice))
        PlanItem.objects.create(plan=plan, module=modules[3], position=3)
        seen.append(plan_state.cached_shape(plan, alice))
        seen.append(plan_state.load_plan_state(plan, alice))

    in_request(view)
    assert seen[0] is not None and seen[1] is None
    assert [s.module.pk for s in seen[2].modules] == [m.pk for m in modules]


def test_a_mentors_read_and_another_learners_plan_never_use_the_cache(alice, bob, plan):
    seen = []

    def view():
        with reader.showing(reader.Shown(plan_ids=frozenset({plan.pk}))):
            seen.append(plan_state.cached_shape(plan, alice))
        seen.append(plan_state.cached_shape(plan, bob))

    in_request(view)
    assert seen == [None, None]


def test_the_key_names_the_learner_their_plan_version_and_the_plan(alice, bob, plan):
    key = plan_state.shape_key(plan, alice)
    assert key.startswith(f"planshape:{alice.pk}:") and key.endswith(f":{plan.pk}")
    assert plan_state.shape_key(plan, bob) != key
    alice.plan_version += 1
    # Another process that moved the version: this process's entry under the old key is never
    # read again, because every request reads the version with the user.
    assert plan_state.shape_key(plan, alice) != key
