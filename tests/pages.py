"""The main pages of the site and the world they need: shared by the accessibility, HTML
validity and CSP checks (tests/test_accessibility.py, test_html_validity.py,
test_csp_violations.py).

The world is the real curriculum, the seeded lists and the demo learner six weeks into a plan
(notes, sessions, failures with lessons, runs), plus a newcomer with no plan and a staff member
without permissions (the admin refuses them with our 403 page). Every page is listed with who
looks at it, so each check walks the same pages logged in and out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from curriculum.models import Module, Topic
from curriculum.seed import NLP_12_WEEKS, seed_lists
from learners.demo import DEMO_EMAIL, seed_demo
from learners.experiments.models import Run
from learners.experiments.tokens import create_token, revoke
from learners.mentors import threads
from learners.mentors.demo import MENTOR_EMAIL
from learners.mentors.models import Mentorship, ReviewRequest
from learners.models import Note, Plan, StudySession, User
from learners.papers.models import Entry
from learners.record.models import Failure
from learners.weekly.tokens import unsubscribe_token
from tests.conftest import REPO
from tests.curriculum_helpers import load
from tests.factories import make_learner

ANONYMOUS, DEMO, NEWCOMER, CLERK, MENTOR = "anonymous", "demo", "newcomer", "clerk", "mentor"

# The demo learner's module in progress (progress, checkpoints, notes, failures, runs) and a
# finished one with a full history of runs.
IN_PROGRESS = "transformer-language-model"
FINISHED = "lstm-language-model"
# The paper the demo learner is half-way through: passes and a mixed reading ledger.
PAPER = "paper-attention-is-all-you-need"


@dataclass(frozen=True)
class Page:
    name: str  # also the file name the HTML checker reports under
    who: str  # ANONYMOUS, DEMO, NEWCOMER or CLERK
    path: str
    status: int = 200

    def __str__(self) -> str:
        return f"{self.name} ({self.who}) {self.path}"


@dataclass(frozen=True)
class Submission:
    """A form sent with invalid (or show-once) data: the page that answers is checked too."""

    name: str
    who: str
    path: str  # the page with the form; it posts to its own action
    data: dict[str, str]
    status: int

    def __str__(self) -> str:
        return f"{self.name} ({self.who}) POST {self.path}"


# Forms shown again with their errors, and the token shown once after it is made.
SUBMISSIONS = [
    Submission(
        "login-errors",
        ANONYMOUS,
        "/login/",
        {"username": "nobody@example.com", "password": "x"},
        200,
    ),
    Submission(
        "signup-errors", ANONYMOUS, "/signup/", {"email": "not-an-email", "password1": "short"}, 200
    ),
    Submission("password-reset-errors", ANONYMOUS, "/password/reset/", {"email": "no-at"}, 200),
    Submission("settings-errors", DEMO, "/settings/", {"display_name": "", "time_zone": ""}, 422),
    Submission(
        "failure-new-errors", DEMO, "/failures/new/", {"title": "", "happened_on": "someday"}, 422
    ),
    Submission("tokens-created", DEMO, "/settings/tokens/", {"name": "my laptop"}, 200),
    Submission("tokens-errors", DEMO, "/settings/tokens/", {"name": ""}, 422),
    Submission("capture-errors", DEMO, "/", {"capture-title": ""}, 422),
    Submission("note-errors", DEMO, f"/modules/{IN_PROGRESS}/", {"body": ""}, 422),
    Submission("metric-errors", DEMO, f"/modules/{FINISHED}/runs/", {"name": "x" * 500}, 422),
    Submission(
        "plan-new-errors", NEWCOMER, f"/plans/new/?list={NLP_12_WEEKS.slug}", {"goal": ""}, 422
    ),
    Submission(
        "session-log-errors",
        DEMO,
        "/sessions/",
        {"session-minutes": "-5", "session-date": "2026-02-30"},
        422,
    ),
]

# Fill the form holding every named field and send it as it is (no browser validation); the
# CSRF token is already in the form. Run in the page; the caller waits for the navigation.
SUBMIT_IN_PAGE = """(data) => {
  const names = Object.keys(data);
  const form = [...document.forms].find(f => names.every(name => f.elements[name]));
  if (!form) throw new Error("no form with the fields " + names.join(", "));
  for (const [name, value] of Object.entries(data)) form.elements[name].value = value;
  form.submit();
}"""


@dataclass
class _Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The forms of a page with the values a browser would send unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._select: str | None = None
        self._select_values: list[str] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = _Form(a.get("action", ""))
            self.forms.append(self._form)
        if self._form is None or (tag != "form" and not a.get("name") and tag != "option"):
            return
        values = self._form.fields
        if tag == "input" and a.get("type") not in {"submit", "button", "file"}:
            checkable = a.get("type") in {"checkbox", "radio"}
            if not checkable or "checked" in a:
                values.setdefault(a["name"], []).append(a.get("value", "on" if checkable else ""))
            else:
                values.setdefault(a["name"], [])
        elif tag == "textarea":
            self._textarea = a["name"]
            values[a["name"]] = [""]
        elif tag == "select":
            self._select, self._select_values = a["name"], []
            values[a["name"]] = []
        elif tag == "option" and self._select:
            self._select_values.append(a.get("value", ""))
            if "selected" in a:
                values[self._select] = [a.get("value", "")]

    def handle_data(self, data) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea][0] += data

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select and self._form is not None:
            if not self._form.fields[self._select] and self._select_values:
                self._form.fields[self._select] = self._select_values[:1]
            self._select = None


def submit_with_client(client: Client, sent: Submission):
    """What the browser does for `sent`: fill its form on the page, post it to its action."""
    parser = _Forms()
    parser.feed(client.get(sent.path).text)
    form = next(f for f in parser.forms if set(sent.data) <= set(f.fields))
    data = {**form.fields, **{name: [value] for name, value in sent.data.items()}}
    return client.post(form.action or sent.path, data)


@dataclass
class World:
    users: dict[str, User]
    pages: list[Page]


def build_world() -> World:
    """Load the real curriculum, seed the demo, and list every main page with its viewer."""
    run = load(REPO / "curriculum" / "content")
    assert run.status == 0, run.stderr
    seed_lists()
    seed_demo()
    demo = User.objects.get(email=DEMO_EMAIL)
    newcomer = make_learner("newcomer@example.com", display_name="Nia")
    clerk = make_learner("clerk@example.com", display_name="Cleo", is_staff=True)
    create_token(demo, "laptop")
    revoke(create_token(demo, "old workstation")[0])
    mentor = User.objects.get(email=MENTOR_EMAIL)
    users = {DEMO: demo, NEWCOMER: newcomer, CLERK: clerk, MENTOR: mentor}
    return World(users=users, pages=_pages(demo))


def _pages(demo: User) -> list[Page]:
    plan = Plan.objects.filter(learner=demo).get()
    note = Note.objects.filter(learner=demo, module__slug=IN_PROGRESS).first()
    session = StudySession.objects.filter(learner=demo).first()
    failure = Failure.objects.filter(learner=demo).exclude(lesson="").first()
    runs = list(Run.objects.filter(learner=demo, module__slug=FINISHED).order_by("started_at"))
    run = next(r for r in runs if r.git_dirty)
    topic = Topic.objects.filter(modules__slug=IN_PROGRESS).first()
    entry = Entry.objects.filter(learner=demo, module__slug=PAPER, item_key="").first()
    common_slug = next(m.slug for m in Module.objects.active() if m.common_failures)
    uid = urlsafe_base64_encode(force_bytes(demo.pk))
    reset_token = default_token_generator.make_token(demo)
    track = NLP_12_WEEKS.slug
    compare = urlencode([("run", runs[-2].pk), ("run", runs[-1].pk)])
    anonymous = [
        Page("landing", ANONYMOUS, "/"),
        Page("catalogue", ANONYMOUS, "/modules/"),
        Page("catalogue-filtered", ANONYMOUS, f"/modules/?topic={topic.slug}&kind=build&q=model"),
        Page("catalogue-nothing-found", ANONYMOUS, "/modules/?q=no-such-module-anywhere"),
        Page("module", ANONYMOUS, f"/modules/{IN_PROGRESS}/"),
        Page("paper", ANONYMOUS, f"/modules/{PAPER}/"),
        Page("list", ANONYMOUS, f"/lists/{track}/"),
        Page("login", ANONYMOUS, "/login/"),
        Page("signup", ANONYMOUS, "/signup/"),
        Page("password-reset", ANONYMOUS, "/password/reset/"),
        Page("password-reset-done", ANONYMOUS, "/password/reset/done/"),
        Page("password-reset-confirm", ANONYMOUS, f"/password/reset/{uid}/{reset_token}/"),
        Page("password-reset-bad-link", ANONYMOUS, f"/password/reset/{uid}/bad-token/"),
        Page("password-reset-complete", ANONYMOUS, "/password/reset/complete/"),
        Page("unsubscribe", ANONYMOUS, f"/email/weekly/unsubscribe/{unsubscribe_token(demo)}/"),
        Page("not-found", ANONYMOUS, "/no/such/page/", 404),
        Page("module-not-found", ANONYMOUS, "/modules/transformer-languag/", 404),
    ]
    learner = [
        Page("dashboard", DEMO, "/"),
        Page("catalogue-logged-in", DEMO, "/modules/"),
        Page("catalogue-filtered-logged-in", DEMO, f"/modules/?topic={topic.slug}"),
        Page("module-in-progress", DEMO, f"/modules/{IN_PROGRESS}/"),
        Page("module-finished", DEMO, f"/modules/{FINISHED}/"),
        Page("paper-ledger", DEMO, f"/modules/{PAPER}/"),
        Page("ledger-entry-edit", DEMO, f"/ledger/{entry.pk}/edit/"),
        Page("list-logged-in", DEMO, f"/lists/{track}/"),
        Page("settings", DEMO, "/settings/"),
        Page("password-change", DEMO, "/password/change/"),
        Page("password-change-done", DEMO, "/password/change/done/"),
        Page("tokens", DEMO, "/settings/tokens/"),
        Page("your-data", DEMO, "/account/data/"),
        Page("plan-list", DEMO, "/plans/"),
        Page("plan-new-choose", DEMO, "/plans/new/"),
        Page("plan-new-while-active", DEMO, f"/plans/new/?list={track}"),
        Page("plan-detail", DEMO, f"/plans/{plan.pk}/"),
        Page("plan-edit", DEMO, f"/plans/{plan.pk}/edit/"),
        Page("session-list", DEMO, "/sessions/"),
        Page("session-edit", DEMO, f"/sessions/{session.pk}/edit/"),
        Page("note-edit", DEMO, f"/notes/{note.pk}/edit/"),
        Page("failure-log", DEMO, "/failures/"),
        Page("failure-log-filtered", DEMO, f"/failures/?category=bug&module={FINISHED}"),
        Page("failure-lessons", DEMO, "/failures/lessons/"),
        Page("failure-detail", DEMO, f"/failures/{failure.pk}/"),
        Page("failure-new", DEMO, "/failures/new/"),
        Page("failure-new-from-common", DEMO, f"/failures/new/?module={common_slug}&common=0"),
        Page("failure-edit", DEMO, f"/failures/{failure.pk}/edit/"),
        Page("timeline", DEMO, "/timeline/"),
        Page("timeline-filtered", DEMO, f"/timeline/?kind=note&module={IN_PROGRESS}"),
        Page("run-list", DEMO, "/runs/"),
        Page("run-list-sorted", DEMO, f"/runs/?module={FINISHED}&sort=oldest"),
        Page("module-runs", DEMO, f"/modules/{FINISHED}/runs/"),
        Page("run-detail", DEMO, f"/runs/{run.pk}/"),
        Page("run-edit", DEMO, f"/runs/{run.pk}/edit/"),
        Page("run-compare-pick", DEMO, "/runs/compare/"),
        Page("run-compare", DEMO, f"/runs/compare/?{compare}"),
        Page("weekly-preview", DEMO, "/email/weekly/preview/"),
        # The email itself, shown in the preview's sandboxed frame (which axe cannot enter).
        Page("weekly-email", DEMO, "/email/weekly/preview/email/"),
        Page("not-found-logged-in", DEMO, "/plans/999999/", 404),
    ]
    newcomer = [
        Page("dashboard-no-plan", NEWCOMER, "/"),
        Page("module-not-started", NEWCOMER, f"/modules/{IN_PROGRESS}/"),
        Page("plan-new", NEWCOMER, f"/plans/new/?list={track}"),
        Page("plan-list-empty", NEWCOMER, "/plans/"),
        Page("session-list-empty", NEWCOMER, "/sessions/"),
        Page("failure-log-empty", NEWCOMER, "/failures/"),
        Page("timeline-empty", NEWCOMER, "/timeline/"),
        Page("run-list-empty", NEWCOMER, "/runs/"),
        Page("weekly-preview-no-plan", NEWCOMER, "/email/weekly/preview/"),
    ]
    # The admin refuses a staff member without permissions with PermissionDenied: our 403 page.
    clerk = [Page("forbidden", CLERK, "/admin/curriculum/module/", 403)]
    return anonymous + learner + newcomer + clerk + _mentor_pages(demo, failure, run)


def _mentor_pages(demo: User, failure: Failure, run: Run) -> list[Page]:
    """The demo mentor's pages and the learner's side of their threads."""
    mentorship = Mentorship.objects.active().get(learner=demo)
    shared = Failure.objects.filter(learner=demo, shared_with_mentors=True).first()
    review = ReviewRequest.objects.filter(mentorship=mentorship).first() or threads.ask(
        mentorship, threads.Subject("failure", failure=shared), "Is clipping the real fix?"
    )
    m, base = mentorship.pk, f"/mentoring/{mentorship.pk}"
    return [
        Page("mentors", DEMO, "/mentors/"),
        Page("request", DEMO, f"/mentors/requests/{review.pk}/"),
        Page("request-new", DEMO, f"/mentors/requests/new/?kind=run&run={run.pk}"),
        Page("mentoring-home", MENTOR, "/mentoring/"),
        Page("mentor-dashboard", MENTOR, f"{base}/"),
        Page("mentor-module", MENTOR, f"{base}/modules/{IN_PROGRESS}/"),
        Page("mentor-failures", MENTOR, f"{base}/failures/"),
        Page("mentor-failure", MENTOR, f"{base}/failures/{shared.pk}/"),
        Page("mentor-request", MENTOR, f"/mentoring/{m}/requests/{review.pk}/"),
        # (A mentor's 404 for what isn't shared: tests/test_security_mentors.py.)
        Page("mentor-timeline", MENTOR, f"{base}/timeline/"),
    ]


def client_for(world: World, who: str) -> Client:
    client = Client()
    if who != ANONYMOUS:
        client.force_login(world.users[who])
    return client


def session_cookie(world: World, who: str) -> str | None:
    """The session cookie's value for `who`, for a browser context (None: anonymous)."""
    if who == ANONYMOUS:
        return None
    return client_for(world, who).cookies[settings.SESSION_COOKIE_NAME].value


def by_viewer(world: World) -> dict[str, list[Page | Submission]]:
    """Every page and submission, grouped by who looks at it (one browser context each)."""
    groups: dict[str, list[Page | Submission]] = {}
    for item in [*world.pages, *SUBMISSIONS]:
        groups.setdefault(item.who, []).append(item)
    return groups


def open_in_browser(page, item: Page | Submission) -> int:
    """Load `item` in a Playwright page; the HTTP status of the document it ends on."""
    if isinstance(item, Page):
        return page.goto(item.path, wait_until="load").status
    page.goto(item.path, wait_until="load")
    with page.expect_navigation(wait_until="load") as navigation:
        page.evaluate(SUBMIT_IN_PAGE, item.data)
    return navigation.value.status
