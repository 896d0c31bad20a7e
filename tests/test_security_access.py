"""Who may reach what, all of it in one walk, counted: every URL of the URLconf (CASES in
tests/test_access.py, as plain requests and as htmx fragments), the runs API, and every page of
the admin, each tried as its owner, another learner and an anonymous visitor (the admin also as
a learner who isn't staff, and staff with and without permissions).

A leak is any of: another learner or a visitor reaching an owner's object (not a 404 or a login
redirect), an owner's private text (note, run, failure, lesson, goal, session, token name,
email) in anyone else's answer — pages, fragments, JSON, downloads — or an owner's rows changed
by anyone else's request. The walk prints its table of cases and asserts 0 leaks.

tests/test_access.py stays the per-URL, per-role suite (one test each, readable failures); this
walk adds the markers, htmx, the admin's every URL and the count.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse

from learners.experiments import tokens
from learners.experiments.models import ApiToken
from learners.models import Plan, StudySession, User
from learners.record.models import Failure
from learners.weekly.models import WeeklyEmail, WeeklySchedule
from tests.access_experiments import make_run, make_token
from tests.factories import make_learner
from tests.test_access import (
    CASES,
    LEARNER_KINDS,
    is_login_redirect,
    owners_record,
    request,
    url_names,
)
from tests.test_access import world as access_world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# What only alice may ever see. The world's own texts, plus some set below.
MARKERS = [
    "alice's private note",
    "alice's private run",
    "alice's private failure",
    "alice's private lesson",
    "alice@example.com",
    "alice-secret-goal",
    "alice-secret-session",
    "alice-secret-token",
    "alice-secret-config",
]


@dataclass
class Walk:
    cases: Counter = field(default_factory=Counter)  # (area, role) -> requests
    leaks: list[str] = field(default_factory=list)
    seen_by_owner: set[str] = field(default_factory=set)  # markers shown to alice herself

    def tried(self, area: str, role: str) -> None:
        self.cases[(area, role)] += 1

    def leak(self, what: str) -> None:
        self.leaks.append(what)


def leaked_markers(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    decoded = html.unescape(text)
    found = [marker for marker in MARKERS if marker in text or marker in decoded]
    if "json" in response.get("Content-Type", ""):
        dumped = json.dumps(json.loads(text))  # \u escapes too
        found += [m for m in MARKERS if json.dumps(m)[1:-1] in dumped and m not in found]
    return found


@pytest.fixture
def world(access_world):  # noqa: F811
    """tests/test_access.py's world, with alice's texts made unmistakable."""
    alice = access_world["alice"]
    Plan.objects.filter(learner=alice).update(goal="alice-secret-goal")
    StudySession.objects.filter(learner=alice).update(description="alice-secret-session")
    ApiToken.objects.filter(learner=alice).update(name="alice-secret-token")
    make_run(alice, access_world["modules"][0], name="run two", config={"alice-secret-config": 1})
    return access_world


def clients(world) -> dict[str, Client]:
    owner, other, visitor = Client(), Client(), Client()
    owner.force_login(world["alice"])
    other.force_login(world["bob"])
    return {"owner": owner, "another learner": other, "anonymous": visitor}


# --- the site's own URLs --------------------------------------------------------------------------


@contextmanager
def undone(client: Client):
    """A request whose writes are rolled back and whose cookies are forgotten, so every case
    meets the same world (the owner deleting their account must not end the walk)."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies


def walk_site(world, walk: Walk) -> None:
    by_role = clients(world)
    for name, case in sorted(CASES.items()):
        if case.kind == "api":
            continue  # walked below, with tokens
        for htmx in (False, True):
            headers = (("HX-Request", "true"),) if htmx else ()
            tried = replace(case, headers=headers + case.headers)
            area = "htmx" if htmx else "pages"
            for role, client in by_role.items():
                with undone(client):
                    before = owners_record(world)
                    response = request(client, name, tried, world)
                    # (The owner's own request may delete the account: nothing to compare.)
                    after = before if role == "owner" else owners_record(world)
                walk.tried(area, role)
                where = f"{role} {case.method} {name}{' (htmx)' if htmx else ''}"
                if response.status_code >= 500:
                    walk.leak(f"{where}: {response.status_code}")
                if role == "owner":
                    if is_login_redirect(response) and case.kind in LEARNER_KINDS:
                        walk.leak(f"{where}: the owner was sent to log in")
                    walk.seen_by_owner.update(leaked_markers(response))
                    continue
                if found := leaked_markers(response):
                    walk.leak(f"{where}: shows {found}")
                if after != before:
                    walk.leak(f"{where}: changed the owner's rows")
                refused_as_other = response.status_code == 404
                if case.kind == "object" and role == "another learner" and not refused_as_other:
                    walk.leak(f"{where}: {response.status_code}, not 404")
                sent_to_log_in = is_login_redirect(response) or name == "logout"
                if case.kind in LEARNER_KINDS and role == "anonymous" and not sent_to_log_in:
                    walk.leak(f"{where}: {response.status_code}, not a login redirect")


# --- the API --------------------------------------------------------------------------------------


def walk_api(world, walk: Walk) -> None:
    alice, bob = world["alice"], world["bob"]
    _, alice_token = make_token(alice, "second")
    _, bob_token = make_token(bob)
    revoked_row, revoked = make_token(alice, "old")
    tokens.revoke(revoked_row)
    session_only = Client()
    session_only.force_login(alice)
    roles = {
        "owner": (Client(), {"Authorization": f"Bearer {alice_token}"}),
        "another learner": (Client(), {"Authorization": f"Bearer {bob_token}"}),
        "anonymous": (Client(), {}),
        "revoked token": (Client(), {"Authorization": f"Bearer {revoked}"}),
        "malformed header": (Client(), {"Authorization": f"Token {alice_token}"}),
        "session cookie, no token": (session_only, {}),
    }
    module = world["modules"][0].slug
    requests = [
        ("GET", "", None),
        ("GET", f"?module={module}", None),
        ("GET", "?limit=200&offset=0", None),
        ("POST", "", {"module": module, "name": "probe"}),
        ("PUT", "", None),
        ("DELETE", "", None),
    ]
    for role, (client, headers) in roles.items():
        for method, query, body in requests:
            with undone(client):
                before = owners_record(world)
                response = client.generic(
                    method,
                    "/api/v1/runs" + query,
                    json.dumps(body) if body else "",
                    content_type="application/json",
                    headers=headers,
                )
                after = owners_record(world)
            walk.tried("api", role)
            where = f"{role} {method} /api/v1/runs{query}"
            if response.status_code >= 500:
                walk.leak(f"{where}: {response.status_code}")
            if role == "owner":
                continue
            if found := leaked_markers(response):
                walk.leak(f"{where}: shows {found}")
            if role != "another learner" and response.status_code not in {401, 405}:
                walk.leak(f"{where}: {response.status_code}, not 401")
            if role == "another learner" and after != before:
                walk.leak(f"{where}: changed the owner's rows")


# --- the admin ------------------------------------------------------------------------------------

SITE_WIDE = ["admin:index", "admin:password_change", "admin:password_change_done", "admin:jsi18n",
             "admin:autocomplete"]  # fmt: skip


def admin_urls(world) -> list[tuple[str, str]]:
    """(kind, URL) of every admin page: the site's own, each app's index, and for every
    registered model its list, add form, and change, delete and history pages of a real row."""
    WeeklyEmail.objects.get_or_create(
        learner=world["alice"], week_start=world["alice"].local_today(), defaults={"subject": "s"}
    )
    WeeklySchedule.objects.get_or_create(
        learner=world["alice"], defaults={"next_send_at": "2030-01-01T00:00:00Z"}
    )
    Group.objects.get_or_create(name="curators")
    urls = [("site", reverse(name)) for name in SITE_WIDE]
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    urls += [("app", reverse("admin:app_list", args=[label])) for label in labels]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [("list", reverse(f"{prefix}_changelist")), ("add", reverse(f"{prefix}_add"))]
        row = model._default_manager.order_by("pk").first()
        key = str(row.pk) if row is not None else "1"
        for view in ("change", "delete", "history"):
            urls.append(
                (view if row else f"{view} (no row)", reverse(f"{prefix}_{view}", args=[key]))
            )
        if model is User:
            urls.append(("change", reverse("admin:auth_user_password_change", args=[key])))
    return urls


def admin_allowed(model_admin_view: str, response, superuser: bool) -> bool:
    if superuser:
        # Pages a superuser may use, and refusals for what the admin forbids everyone (adding
        # a module: modules come from files).
        return response.status_code in {200, 403} or (
            response.status_code == 302 and not is_admin_login(response)
        )
    # Staff without permissions: the index, and nothing of any model.
    if model_admin_view == "site":
        return response.status_code in {200, 403, 302, 400} and not is_admin_login(response)
    return response.status_code in {403, 404} or (
        response.status_code == 302 and not is_admin_login(response)
    )


def is_admin_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == "/admin/login/"


WEEKLY_PREVIEWS = ["/email/weekly/preview/", "/email/weekly/preview/email/"]


def walk_admin(world, walk: Walk) -> None:
    urls = admin_urls(world)
    superuser = make_learner("root@example.com", is_staff=True, is_superuser=True)
    staff = make_learner("helper@example.com", is_staff=True)
    staff.user_permissions.set(Permission.objects.none())
    visitors = {"anonymous": Client(), "learner, not staff": Client()}
    visitors["learner, not staff"].force_login(world["alice"])
    before_counts = {model: model._default_manager.count() for model in admin.site._registry}
    for role, client in visitors.items():
        for _, url in urls:
            for method in ("GET", "POST"):
                with undone(client):
                    response = client.generic(method, url)
                walk.tried("admin", role)
                if not is_admin_login(response):
                    walk.leak(f"{role} {method} {url}: {response.status_code}, not the admin login")
                elif found := leaked_markers(response):
                    walk.leak(f"{role} {method} {url}: shows {found}")
    for role, user, is_super in (
        ("staff", superuser, True),
        ("staff, no permissions", staff, False),
    ):
        client = Client()
        client.force_login(user)
        for kind, url in urls:
            with undone(client):
                response = client.get(url)
            walk.tried("admin", role)
            if response.status_code >= 500 or not admin_allowed(kind, response, is_super):
                walk.leak(f"{role} GET {url}: {response.status_code}")
            usable = kind in {"list", "change", "history", "app"}
            if is_super and usable and response.status_code != 200:
                walk.leak(f"{role} GET {url}: {response.status_code}, not 200")
        # The one page outside the admin where staff read another learner's record.
        for url in WEEKLY_PREVIEWS:
            with undone(client):
                response = client.get(url, {"learner": world["alice"].pk})
            walk.tried("admin", role)
            if is_super != (response.status_code == 200) or (
                not is_super and (response.status_code != 404 or leaked_markers(response))
            ):
                walk.leak(f"{role} GET {url}?learner=alice: {response.status_code}")
    after_counts = {model: model._default_manager.count() for model in admin.site._registry}
    if after_counts != before_counts:
        walk.leak("an admin request changed rows")


# --- the walk -------------------------------------------------------------------------------------


def test_nobody_reaches_what_is_not_theirs_anywhere(world, capsys):
    walk = Walk()
    walk_site(world, walk)
    walk_api(world, walk)
    walk_admin(world, walk)
    areas = ["pages", "htmx", "api", "admin"]
    roles = sorted({role for _, role in walk.cases})
    lines = ["", "Access cases tried (requests), by area and role:"]
    lines.append(f"  {'role':<26}" + "".join(f"{area:>8}" for area in areas) + f"{'total':>8}")
    for role in roles:
        counts = [walk.cases[(area, role)] for area in areas]
        lines.append(f"  {role:<26}" + "".join(f"{c:>8}" for c in counts) + f"{sum(counts):>8}")
    total = sum(walk.cases.values())
    lines.append(f"  {'all':<26}" + "".join(
        f"{sum(walk.cases[(area, r)] for r in roles):>8}" for area in areas) + f"{total:>8}")  # fmt: skip
    lines.append(f"  leaks: {len(walk.leaks)}")
    with capsys.disabled():
        print("\n".join(lines))
    assert walk.leaks == [], "\n".join(walk.leaks)
    # The markers are real: alice sees each of them somewhere (or finding none proves nothing).
    assert walk.seen_by_owner == set(MARKERS)
    # Every URL of the site as three roles, twice (plain and htmx); the API's six requests as six
    # roles; every admin URL as four roles (the two refused ones with GET and POST), and the
    # weekly previews of another learner as both staff roles.
    site_urls = sum(1 for case in CASES.values() if case.kind != "api")
    assert sum(walk.cases[("pages", r)] for r in roles) == 3 * site_urls
    assert sum(walk.cases[("htmx", r)] for r in roles) == 3 * site_urls
    assert sum(walk.cases[("api", r)] for r in roles) == 36
    admin_count = len(admin_urls(world))
    assert sum(walk.cases[("admin", r)] for r in roles) == 6 * admin_count + 2 * len(
        WEEKLY_PREVIEWS
    )
    assert admin_count >= 5 * len(admin.site._registry)


def test_every_admin_url_of_every_registered_model_is_walked(world):
    """The admin list comes from the registry, so a newly registered model is walked too."""
    walked = {url for _, url in admin_urls(world)}
    for model in admin.site._registry:
        prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert {prefix, f"{prefix}add/"} <= walked, model
        assert any(url.startswith(prefix) and url.endswith("/change/") for url in walked), model
    assert {name for name in url_names() if name.startswith("admin:")} >= {
        "admin:index", "admin:app_list"
    }  # fmt: skip


def test_a_form_choice_cannot_name_another_learners_row(client, world):
    """Select fields whose choices are the learner's own rows refuse another learner's ids."""
    bob = world["bob"]
    bob_failure = Failure.objects.create(
        learner=bob, module=world["modules"][0], title="bob's", happened_on=bob.local_today()
    )
    client.force_login(world["alice"])
    run = world["experiments_run"]
    response = client.post(
        f"/runs/{run}/edit/", {"name": "x", "outcome": "worked", "failure": bob_failure.pk}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    assert Failure.objects.get(pk=bob_failure.pk).runs.count() == 0


def test_staff_preview_of_a_learners_email_is_staff_only(client, world):
    """The weekly preview's ?learner= is the one place an id names another account."""
    client.force_login(world["bob"])
    alice = world["alice"]
    for value in (str(alice.pk), f" {alice.pk}", "\u0661", "1e0", "9" * 30):
        response = client.get("/email/weekly/preview/", {"learner": value})
        assert response.status_code == 404, value
        assert not leaked_markers(response)
