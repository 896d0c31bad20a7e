"""Every hostile payload (tests/hostile.py: the shared markdown-XSS list plus htmx attributes)
through the text fields other tests don't already cover — display names, plan goals, session
descriptions, run names and notes through the edit page, token names, email addresses, and the
module lists admins write (titles, descriptions, item notes) — entered through the real forms,
then every page that shows them read back: the learner's pages, the public pages, the admin
and the weekly email's HTML part.

Pages legitimately hold forms, htmx attributes and SVG, which `active_content()` reports too,
so each page is read once with harmless text in every field and once with the payload: the
payload may add nothing that could run. Plain-text fields must also show the payload escaped,
character for character, so the check can't pass by the text being dropped.

Already covered elsewhere: module bodies (test_browser_hostile_module, test_rendering), notes
(test_module_actions), failures and lessons (test_record_failures), run text through the API
and metric names (test_experiments_hostile), token names' HTML (test_experiments_tokens), the
weekly email's fields (test_weekly_hostile).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from curriculum.models import ModuleList, ModuleListItem
from learners.experiments.models import ApiToken, Run
from learners.lib.weeks import previous_week
from learners.models import Plan, StudySession, User
from learners.review.models import Card
from learners.weekly.report import build_report
from learners.weekly.sender import render_weekly
from tests.access_experiments import make_run
from tests.factories import make_learner, make_list, make_modules, make_plan
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

pytestmark = pytest.mark.django_db

EVERYTHING = payloads() + HTMX_PAYLOADS
BENIGN = "benign text"


class Site:
    """Alice with a plan, a session, a run and a token; a public module list; a staff member;
    and a learner without a plan (who sees the published lists on her dashboard)."""

    def __init__(self) -> None:
        self.modules = make_modules(2)
        self.track = make_list(self.modules, slug="hostile-track")
        self.alice = make_learner("alice@example.com", display_name="Alice")
        self.plan = make_plan(self.alice, self.modules, module_list=self.track)
        self.session = StudySession.objects.create(
            learner=self.alice, module=self.modules[0], date=date(2026, 1, 5), minutes=30
        )
        self.run = make_run(self.alice, self.modules[0], metrics={"loss": 1.0})
        self.token = ApiToken.objects.create(
            learner=self.alice, name="laptop", prefix="trj_x", token_hash="h"
        )
        self.carol = make_learner("carol@example.com")
        staff = make_learner("staff@example.com", is_staff=True, is_superuser=True)
        self.clients = {"alice": Client(), "carol": Client(), "staff": Client(), "anon": Client()}
        self.clients["alice"].force_login(self.alice)
        self.clients["carol"].force_login(self.carol)
        self.clients["staff"].force_login(staff)

    def write(self, text: str) -> None:
        """`text` into every field, through the forms a learner (or an admin) uses."""
        alice = self.clients["alice"]
        line = " ".join(text.split())  # single-line inputs: what a browser would send
        posts = [
            (
                "/settings/",
                {
                    "display_name": line[:80],
                    "time_zone": "UTC",
                    "weekly_hours_target": "10",
                    "weekly_email": "on",
                    "weekly_email_weekday": "0",
                    "weekly_email_hour": "8",
                },
            ),
            (
                f"/plans/{self.plan.pk}/edit/",
                {
                    "goal": line[:300],
                    "start_date": self.plan.start_date.isoformat(),
                    "target_end": self.plan.target_end.isoformat(),
                    "weekly_hours": "10",
                },
            ),
            (
                f"/sessions/{self.session.pk}/edit/",
                {
                    "session-date": "2026-01-05",
                    "session-minutes": "30",
                    "session-module": str(self.modules[0].pk),
                    "session-description": line[:500],
                },
            ),
            (
                f"/runs/{self.run.pk}/edit/",
                {"name": line[:200], "outcome": "worked", "notes": text, "failure": ""},
            ),
        ]
        # A review question and its answer: one card at a time, so the Review page asks it.
        Card.objects.filter(learner=self.alice, kind="question").delete()
        posts.append(
            (f"/modules/{self.modules[0].slug}/cards/", {"question": text, "answer": text})
        )
        for url, data in posts:
            response = alice.post(url, data)
            assert response.status_code == 302, (url, response.status_code)
        # Token names are set when a token is made (a new one each time): rename the row.
        ApiToken.objects.filter(pk=self.token.pk).update(name=line[:80])
        # What an admin types into the module list's form.
        staff = self.clients["staff"]
        change = f"/admin/curriculum/modulelist/{self.track.pk}/change/"
        items = list(ModuleListItem.objects.filter(module_list=self.track).order_by("position"))
        form = {
            "slug": self.track.slug,
            "title": line[:200],
            "description": text,
            "published": "on",
            "items-TOTAL_FORMS": str(len(items)),
            "items-INITIAL_FORMS": str(len(items)),
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        }
        for index, item in enumerate(items):
            form |= {
                f"items-{index}-id": str(item.pk),
                f"items-{index}-module_list": str(self.track.pk),
                f"items-{index}-position": str(index + 1),  # the admin counts places from 1
                f"items-{index}-module": str(item.module_id),
                f"items-{index}-required": "on",
                f"items-{index}-note": line[:300],
            }
        response = staff.post(change, form)
        assert response.status_code == 302, response.text[:2000]

    def pages(self) -> dict[str, str]:
        alice, carol, staff, anon = (self.clients[k] for k in ("alice", "carol", "staff", "anon"))
        track, run, plan = self.track.slug, self.run.pk, self.plan.pk
        urls = {
            "dashboard": (alice, "/"),
            "plans": (alice, "/plans/"),
            "plan": (alice, f"/plans/{plan}/"),
            "plan edit": (alice, f"/plans/{plan}/edit/"),
            "sessions": (alice, "/sessions/"),
            "session edit": (alice, f"/sessions/{self.session.pk}/edit/"),
            "timeline": (alice, "/timeline/"),
            "settings": (alice, "/settings/"),
            "tokens": (alice, "/settings/tokens/"),
            "run": (alice, f"/runs/{run}/"),
            "run edit": (alice, f"/runs/{run}/edit/"),
            "runs": (alice, "/runs/"),
            "module": (alice, f"/modules/{self.modules[0].slug}/"),
            "weekly preview": (alice, "/email/weekly/preview/"),
            "review": (alice, "/review/"),
            "landing": (anon, "/"),
            "list": (anon, f"/lists/{track}/"),
            "no-plan dashboard": (carol, "/"),
            "choose a list": (carol, "/plans/new/"),
            "new plan": (carol, f"/plans/new/?list={track}"),
            "admin learners": (staff, "/admin/learners/user/"),
            "admin learner": (staff, f"/admin/learners/user/{self.alice.pk}/change/"),
            "admin lists": (staff, "/admin/curriculum/modulelist/"),
            "admin list": (staff, f"/admin/curriculum/modulelist/{self.track.pk}/change/"),
            "admin weekly schedules": (staff, "/admin/weekly/weeklyschedule/"),
        }
        shown = {}
        for name, (client, url) in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            shown[name] = response.text
        shown["weekly email"] = weekly_html(User.objects.get(pk=self.alice.pk))
        return shown


def weekly_html(learner: User) -> str:
    """The HTML part of the weekly email the learner would get for last week."""
    monday, _ = previous_week(learner.local_today())
    report = build_report(learner, monday, timezone.now())
    assert report is not None  # the learner has an active plan
    return render_weekly(report).html


# Where each plain-text field must show, escaped (for one-line payloads).
SHOWS = {
    "display_name": ("dashboard", 80),
    "goal": ("plan", 300),
    "description": ("sessions", 500),
    "run name": ("run", 200),
    "token name": ("tokens", 80),
    "list title": ("list", 200),
    "list description": ("list", None),
    "item note": ("list", 300),
}


def test_every_payload_in_every_text_field_adds_nothing_that_runs_on_any_page(db, capsys):
    site = Site()
    site.write(BENIGN)
    benign = {name: Counter(active_content(html)) for name, html in site.pages().items()}
    problems = []
    for payload in EVERYTHING:
        site.write(payload)
        pages = site.pages()
        for name, html in pages.items():
            if added := Counter(active_content(html)) - benign[name]:
                problems.append(f"{payload!r} on {name}: {sorted(added)}")
        if "\n" not in payload:
            for field, (page, limit) in SHOWS.items():
                expected = escape(payload[:limit] if limit else payload).strip()
                if expected not in pages[page]:
                    problems.append(f"{payload!r}: {field} not shown escaped on {page}")
        # The sanitized notes are what the run page shows.
        run = Run.objects.get(pk=site.run.pk)
        if active_content(run.notes_html) or run.notes_html not in pages["run"]:
            problems.append(f"{payload!r}: run notes {run.notes_html!r}")
        assert Plan.objects.get(pk=site.plan.pk).goal == " ".join(payload.split())[:300]
        stored = ModuleList.objects.get(pk=site.track.pk).description.replace("\r\n", "\n")
        assert stored == payload
    with capsys.disabled():
        fields = len(SHOWS) + 1  # and the run's notes
        print(f"\nhostile text: {len(EVERYTHING)} payloads x {fields} fields, "
              f"{len(benign)} pages each, {len(problems)} problems")  # fmt: skip
    assert problems == [], "\n".join(problems)


def quoted_address(payload: str) -> str:
    """The payload as the local part of an email address, quoted as RFC 5322 allows (and
    Django's EmailValidator accepts): many payloads become valid addresses this way."""
    local = payload.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{local}"@example.com'


def signup(address: str) -> tuple[Client, User | None]:
    browser = Client()
    password = "a-long-pass-123"
    response = browser.post(
        "/signup/", {"email": address, "password1": password, "password2": password}
    )
    learner = User.objects.filter(email=address.lower()).first()
    if learner is None:
        assert response.status_code == 200
        assert 'class="errorlist"' in response.text  # refused, saying why at the field
    return browser, learner


def address_pages(browser: Client, admin: Client, learner: User) -> dict[str, str]:
    """Where an address shows: the header (no display name set), settings, the email's
    preview and HTML part, and the admin's list and page of learners."""
    return {
        "dashboard": browser.get("/").text,
        "settings": browser.get("/settings/").text,
        "weekly preview": browser.get("/email/weekly/preview/").text,
        "weekly email": weekly_html(learner),
        "admin learners": admin.get("/admin/learners/user/?q=example").text,
        "admin learner": admin.get(f"/admin/learners/user/{learner.pk}/change/").text,
    }


@pytest.fixture
def address_world(db):
    staff = make_learner("staff@example.com", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    modules = make_modules(1, prefix="e")
    return admin, modules


def test_quoted_addresses_carry_markup_past_the_email_validator(address_world):
    """The case the test below is for: signup takes these as addresses."""
    _, learner = signup('"<script>alert(1)</script>"@example.com')
    assert learner is not None


def test_every_payload_as_an_email_address_is_refused_or_shown_inert(address_world, capsys):
    admin, modules = address_world
    browser, plain = signup("plain@example.com")
    make_plan(plain, modules)
    benign = {
        name: Counter(active_content(html))
        for name, html in address_pages(browser, admin, plain).items()
    }
    problems, accepted = [], 0
    for payload in EVERYTHING:
        for address in (payload, quoted_address(payload)):
            browser, learner = signup(address)
            if learner is None:
                continue
            accepted += 1
            make_plan(learner, modules)
            pages = address_pages(browser, admin, learner)
            for name, html in pages.items():
                if added := Counter(active_content(html)) - benign[name]:
                    problems.append(f"{address!r} on {name}: {sorted(added)}")
            if escape(learner.email) not in pages["settings"]:
                problems.append(f"{address!r}: not shown escaped on settings")
            learner.delete()
    with capsys.disabled():
        print(f"\nhostile addresses: {2 * len(EVERYTHING)} tried, {accepted} accepted as "
              f"addresses, {len(problems)} problems")  # fmt: skip
    assert problems == [], "\n".join(problems)
    assert accepted > 0
