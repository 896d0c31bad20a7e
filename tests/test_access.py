"""Who may reach what: every URL of the site, tried as its owner, another learner and anonymous.

`CASES` must name every URL pattern (the first test walks the URLconf and fails on a URL
without a case), so a new view can't ship without saying who may use it.

Kinds of case:
- public: anyone gets the page.
- object: the URL names a learner's object by id; its owner succeeds, another learner gets
  404 and the object is unchanged, an anonymous visitor is sent to log in.
- own: the URL acts on the requesting learner's own record (e.g. a module by slug); an
  anonymous visitor is sent to log in, and another learner's request changes only their own
  record, never the owner's.
- anonymous_only / token: account flows for visitors (log in, sign up, reset links).
- admin: the admin; anonymous visitors and non-staff learners are sent to the admin login.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from curriculum.models import Module, ModuleList
from learners.models import (
    CheckpointTick,
    Note,
    Plan,
    PlanPause,
    PlanRevision,
    StudySession,
    Timer,
)
from tests.access_cases import Case
from tests.access_cases import areas as extra_areas
from tests.factories import make_learner, make_list, make_modules, make_plan

pytestmark = pytest.mark.django_db


CASES: dict[str, Case] = {
    "health": Case("public"),
    "favicon": Case("public", status=302),
    # curriculum, public
    "catalogue": Case("public"),
    "module_detail": Case("public", args=("module",)),
    "list_detail": Case("public", args=("list",)),
    # accounts
    "signup": Case("anonymous_only"),
    "login": Case("anonymous_only"),
    "logout": Case("own", method="POST"),
    "settings": Case("own"),
    "password_change": Case("own"),
    "password_change_done": Case("own"),
    "password_reset": Case("public"),
    "password_reset_done": Case("public"),
    "password_reset_complete": Case("public"),
    "password_reset_confirm": Case("token", args=("reset_uid", "reset_token")),
    # the learner's pages
    "dashboard": Case("own_or_landing"),
    "plan_list": Case("own"),
    "plan_new": Case("own"),
    "plan_hint": Case(
        "own",
        method="POST",
        data=(("list", "track"), ("start_date", "2026-01-05"), ("target_end", "2026-03-30")),
    ),
    "plan_detail": Case("object", args=("plan",)),
    "plan_edit": Case("object", args=("plan",)),
    "plan_end": Case("object", method="POST", args=("plan",), data=(("outcome", "abandoned"),)),
    "plan_pause": Case(
        "object", method="POST", args=("plan",), data=(("resumes_on", "2099-01-01"),)
    ),
    "plan_resume": Case("object", method="POST", args=("plan",)),
    "plan_replan": Case("object", method="POST", args=("plan",), data=(("change", "end"),)),
    "plan_item_add": Case(
        "object", method="POST", args=("plan",), data=(("module", "extra-0000"),)
    ),
    "plan_item_remove": Case("object", method="POST", args=("plan", "item")),
    "plan_item_move": Case(
        "object", method="POST", args=("plan", "item"), data=(("direction", "down"),)
    ),
    "module_status": Case("own", method="POST", args=("module",), data=(("status", "done"),)),
    "module_confidence": Case("own", method="POST", args=("module",), data=(("confidence", "3"),)),
    "checkpoint_tick": Case(
        "own", method="POST", args=("module", "checkpoint"), data=(("ticked", "on"),)
    ),
    "note_create": Case("own", method="POST", args=("module",), data=(("body", "A note"),)),
    "note_preview": Case("own", method="POST", data=(("body", "*x*"),)),
    "note_edit": Case("object", args=("note",)),
    "note_delete": Case("object", method="POST", args=("note",)),
    "session_list": Case("own"),
    "session_edit": Case("object", args=("session",)),
    "session_delete": Case("object", method="POST", args=("session",)),
    "timer_start": Case("own", method="POST"),
    "timer_stop": Case("own", method="POST"),
}
for _area in extra_areas():
    CASES.update(_area.CASES)
ADMIN_NAMESPACE = "admin"


def url_names() -> set[str]:
    """Every named URL pattern, namespaced like 'admin:index'."""
    names: set[str] = set()

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                # The admin has unnamed redirect patterns; every URL of ours must be named.
                assert pattern.name or namespace == ADMIN_NAMESPACE, (
                    f"{pattern.pattern} has no name"
                )
                name = pattern.name or str(pattern.pattern)
                names.add(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_has_an_access_case():
    missing = sorted(
        name
        for name in url_names()
        if name not in CASES and not name.startswith(f"{ADMIN_NAMESPACE}:")
    )
    assert missing == [], f"add these URLs to CASES with who may use them: {missing}"
    stale = sorted(set(CASES) - url_names())
    assert stale == [], f"CASES names URLs that no longer exist: {stale}"


# --- the world each case runs in ----------------------------------------------------------------


@pytest.fixture
def world(alice, bob):
    modules = make_modules(3)
    make_modules(1, prefix="extra")
    track = make_list(modules)
    plan = make_plan(alice, modules, module_list=track)
    bob_plan = make_plan(bob, modules[:1])
    note = Note.objects.create(learner=alice, module=modules[0], body="alice's private note")
    session = StudySession.objects.create(
        learner=alice, module=modules[0], date=date(2026, 1, 5), minutes=30
    )
    world = {
        "alice": alice,
        "bob": bob,
        "bob_plan": bob_plan,
        "modules": modules,
        "plan": plan.pk,
        "item": plan.items.order_by("position").first().pk,
        "note": note.pk,
        "session": session.pk,
        "module": modules[0].slug,
        "checkpoint": modules[0].checkpoints.first().key,
        "list": track.slug,
        "reset_uid": "MQ",
        "reset_token": "set-password",
    }
    for area in extra_areas():
        world.update(area.extend_world(world))
    return world


def url_for(name: str, case: Case, world) -> str:
    return reverse(name, args=[world[key] for key in case.args])


def form_data(case: Case, world) -> dict:
    """The case's form data; a value "@key" is the world's `key` (an id made for the test)."""
    return {
        name: world[value[1:]] if isinstance(value, str) and value.startswith("@") else value
        for name, value in case.data
    }


def request(client, name: str, case: Case, world):
    url = url_for(name, case, world)
    if case.method == "POST":
        return client.post(url, form_data(case, world), headers=dict(case.headers))
    return client.get(url, headers=dict(case.headers))


def owners_record(world) -> tuple:
    """Everything of Alice's that another learner's request must never change."""
    alice = world["alice"]
    return (
        list(Plan.objects.filter(learner=alice).values()),
        list(PlanPause.objects.filter(plan__learner=alice).values()),
        list(PlanRevision.objects.filter(plan__learner=alice).values()),
        list(alice.plans.get(pk=world["plan"]).items.values()),
        list(Note.objects.filter(learner=alice).values()),
        list(StudySession.objects.filter(learner=alice).values()),
        list(CheckpointTick.objects.filter(learner=alice).values()),
        list(alice.progress.values()),
        list(Timer.objects.filter(learner=alice).values()),
        *(area.owners_rows(world) for area in extra_areas()),
    )


def is_login_redirect(response) -> bool:
    """Sent to log in: a redirect to the login page, or for htmx, the 401 that names it
    (learners/middleware.py)."""
    if response.status_code == 302:
        target = response["Location"]
    elif response.status_code == 401:
        target = response.get("Trajectory-Login", "")
    else:
        return False
    return urlsplit(target).path == reverse("login")


# --- the three visitors -----------------------------------------------------------------------

LEARNER_KINDS = {"object", "own"}


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.kind != "api"))
def test_the_owner_succeeds(client, world, name):
    case = CASES[name]
    if case.kind == "anonymous_only":
        client.force_login(world["alice"])
        assert request(client, name, case, world).status_code == 302  # already logged in: onwards
        return
    client.force_login(world["alice"])
    response = request(client, name, case, world)
    assert response.status_code in {200, 302}, (name, response.status_code)
    if response.status_code == 302:
        assert not is_login_redirect(response), name


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.kind in LEARNER_KINDS))
def test_another_learner_gets_404_and_changes_nothing_of_the_owners(client, world, name):
    case = CASES[name]
    before = owners_record(world)
    client.force_login(world["bob"])
    response = request(client, name, case, world)
    if case.kind == "object":
        assert response.status_code == 404, (name, response.status_code)
    else:
        assert response.status_code in {200, 302}, (name, response.status_code)
    assert owners_record(world) == before, name


@pytest.mark.parametrize(
    "name", sorted(n for n, c in CASES.items() if c.kind in LEARNER_KINDS | {"own_or_landing"})
)
def test_anonymous_visitors_are_sent_to_log_in(client, world, name):
    case = CASES[name]
    before = owners_record(world)
    response = request(client, name, case, world)
    if case.kind == "own_or_landing":
        assert response.status_code == 200
        assert Plan.objects.get(pk=world["plan"]).goal not in response.text  # the landing page
    elif name == "logout":
        assert response.status_code == 302
    else:
        assert is_login_redirect(response), (name, response.status_code)
    assert owners_record(world) == before


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.kind == "public"))
def test_public_pages_need_no_login(client, world, name):
    assert request(client, name, CASES[name], world).status_code == CASES[name].status


def test_another_learners_module_page_shows_only_their_own_record(client, world):
    client.force_login(world["bob"])
    page = client.get(reverse("module_detail", args=[world["module"]])).text
    assert "alice&#x27;s private note" not in page
    assert "alice's private note" not in page


def test_a_reset_link_with_a_bad_token_is_refused(client, world):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "bad-token"]), follow=True)
    assert response.status_code == 200
    assert 'name="new_password1"' not in response.text


# --- the admin ----------------------------------------------------------------------------------


def admin_urls(world) -> list[str]:
    urls = ["/admin/"]
    for model in ("module", "modulelist", "topic"):
        urls.append(f"/admin/curriculum/{model}/")
    urls.append(f"/admin/curriculum/module/{world['modules'][0].pk}/change/")
    urls.append(
        f"/admin/curriculum/modulelist/{ModuleList.objects.get(slug=world['list']).pk}/change/"
    )
    urls.append("/admin/curriculum/modulelist/add/")
    return urls


def test_the_admin_refuses_anonymous_visitors_and_learners_who_are_not_staff(client, world):
    tried = 0
    for user in (None, world["alice"]):
        client.logout()
        if user:
            client.force_login(user)
        for url in admin_urls(world):
            response = client.get(url)
            assert response.status_code == 302, url
            assert urlsplit(response["Location"]).path == "/admin/login/", url
            tried += 1
    staff = make_learner("staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for url in admin_urls(world):
        assert client.get(url).status_code == 200, url
    assert tried == 2 * len(admin_urls(world))
    assert Module.objects.count() == 4


def test_the_admin_login_lets_in_staff_only_and_is_throttled_for_every_role(client, world):
    """/admin/login/ as anonymous, a learner who is not staff, and staff: one form for all,
    behind the login throttle (tests/test_login_throttle.py has the rules)."""
    from django.contrib.auth import SESSION_KEY

    password = "a-long-password-123"  # tests/factories.make_learner's
    staff = make_learner("staff@example.com", is_staff=True)
    assert client.get("/admin/login/").status_code == 200  # anonymous
    learner = client.post("/admin/login/", {"username": world["alice"].email, "password": password})
    assert learner.status_code == 200 and SESSION_KEY not in client.session  # not staff
    client.logout()
    ok = client.post("/admin/login/", {"username": staff.email, "password": password})
    assert ok.status_code == 302 and SESSION_KEY in client.session
    client.logout()
    for n in range(5):
        wrong = client.post("/admin/login/", {"username": staff.email, "password": f"no-{n}"})
        assert wrong.status_code == 200
    refused = client.post("/admin/login/", {"username": staff.email, "password": password})
    assert refused.status_code == 429 and SESSION_KEY not in client.session
    assert (
        client.post("/login/", {"username": staff.email, "password": password}).status_code == 429
    )
