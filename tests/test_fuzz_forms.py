"""Every form on the site, every field, given values no form expects: oversized, empty,
whitespace, wrong types, NUL bytes, lone surrogates, invalid UTF-8, RTL overrides, zero-width
characters, emoji, huge and negative numbers, repeated fields. Each must get a clear refusal or a
harmless acceptance — never a 500 — and a refusal must change nothing.

The forms are not listed by hand: they are read from the pages. Each role's client visits
every page of the URLconf (tests/test_access.py's CASES), the forms are parsed out of the HTML
with their fields, options and HTML constraints (required, maxlength, min, max), and each field
is tried in turn with every value while the others keep their valid defaults. A URL that takes
POST but whose form no page shows fails the coverage test, so a new form is fuzzed from the day
it ships. Values that break an HTML constraint of a visible field must be refused.

Each trial runs in a savepoint that is rolled back, so trials never see each other's writes.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from learners.lib.ownership import OWNED
from learners.models import Plan, PlanPause, StudySession, Timer, User
from learners.record.data_views import IMPORT_ERROR
from learners.urls import MENTOR_READS
from tests.access_record import PASSWORD
from tests.factories import make_learner, make_plan
from tests.test_access import CASES, url_for, url_names
from tests.test_access import world as access_world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-long-passphrase-456"

# The values, as the bytes a client would send (None: the field is left out; a list: the
# field is sent once per item, like a list where a string goes).
VALUES: dict[str, bytes | list[bytes] | None] = {
    "empty": b"",
    "whitespace": "  \t\r\n \u00a0\u2003 ".encode(),
    "100 KB": b"x" * 100_000,
    "NUL": b"ab\x00cd",
    "lone surrogate": "a\ud800b".encode("utf-8", "surrogatepass"),
    "invalid UTF-8": b"\xff\xfe\xc3(\x80",
    "RTL override": "\u202etxt.exe".encode(),
    "zero-width": "\u200b\u200d\ufeff".encode(),
    "emoji": ("👩🏽‍💻🔥 ✓ e" + "\u0301" * 300).encode(),  # and a pile of combining marks
    "long number": b"9" * 400,
    "negative": b"-1",
    "huge negative": b"-" + b"9" * 30,
    "float": b"1.5",
    "exponent": b"1e308",
    "NaN": b"NaN",
    "infinity": b"-Infinity",
    "unicode digits": "\u0663\u00b2".encode(),
    "impossible date": b"2026-02-30",
    "far date": b"99999-12-31",
    "last date": b"9999-12-31",  # the last day a date holds: the day after it overflows
    "ancient date": b"0001-01-01",
    "markup": b'"><img src=x onerror=alert(1)>',
    "missing": None,
    "repeated": [b"1", b"2"],
    # An id no database column holds, beside a real-looking one (compare needs two runs).
    "huge id beside another": [b"1", b"9" * 25],
    "huge negative id beside another": [b"1", b"-" + b"9" * 25],
}
BLANK = {"empty", "whitespace", "missing"}
# Django reads form posts as UTF-8 with errors replaced, so these arrive as U+FFFD.
REPLACED = {"lone surrogate", "invalid UTF-8"}
TEXT = [
    "empty", "whitespace", "100 KB", "NUL", "lone surrogate", "invalid UTF-8", "RTL override",
    "zero-width", "emoji", "long number", "markup", "missing", "repeated",
]  # fmt: skip
NUMBER = [
    "empty", "whitespace", "100 KB", "NUL", "lone surrogate", "emoji", "long number", "negative",
    "huge negative", "float", "exponent", "NaN", "infinity", "unicode digits", "missing",
    "repeated",
]  # fmt: skip
DATE = [
    "empty", "whitespace", "100 KB", "NUL", "lone surrogate", "emoji", "long number", "negative",
    "impossible date", "far date", "last date", "ancient date", "unicode digits", "missing",
    "repeated",
]  # fmt: skip
CHOICE = [
    "empty", "100 KB", "NUL", "lone surrogate", "RTL override", "long number", "negative",
    "markup", "missing", "repeated",
]  # fmt: skip
HTMX = ["empty", "100 KB", "NUL", "lone surrogate", "markup"]


def values_for(spec: Field | None) -> list[str]:
    """The values worth trying on a field of this kind (all of them on free text)."""
    if spec is None or spec.kind in {"text", "textarea", "email", "password", "search"}:
        return TEXT
    if spec.kind == "number":
        return NUMBER
    if spec.kind == "date":
        return DATE
    return CHOICE


# Valid values for fields a page shows empty, so the rest of the form is valid while one
# field is tried. Keyed by field name.
FILL = {
    "title": "The loss went NaN",
    "capture-title": "The loss went NaN",
    "body": "A note about attention.",
    "goal": "A small transformer that writes haiku",
    "name": "laptop",
    "password": PASSWORD,
    "old_password": PASSWORD,
    "new_password1": NEW_PASSWORD,
    "new_password2": NEW_PASSWORD,
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
    "username": "alice@example.com",
    "email": "newcomer@example.com",
    "display_name": "Alice",
    "session-description": "Read the paper",
    "what_happened": "It diverged at step 40.",
    "lesson": "Clip the gradients.",
    "notes": "Worked better with warmup.",
    "question": "Why divide by the square root of d_k?",
    "answer": "To keep the logits' variance near one.",
    "entry-section": "§3.2",
    "entry-words": "Scores are divided by $\\sqrt{d_k}$.",
}
# Fields whose value the form sends for the page, not the person: hidden bookkeeping.
HIDDEN_TYPES = {"hidden"}


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    values: list[str] = field(default_factory=list)  # what the page would submit
    options: list[str] = field(default_factory=list)  # select, radio, checkbox choices
    required: bool = False
    maxlength: int | None = None
    minimum: float | str | None = None  # a number; for a date, its yyyy-mm-dd text
    maximum: float | str | None = None
    step: str | None = None

    @property
    def visible(self) -> bool:
        return self.kind not in HIDDEN_TYPES

    def expects_refusal(self, label: str, raw) -> bool:
        """Whether the value breaks one of the field's own HTML constraints."""
        if not self.visible or self.kind in {"checkbox", "submit"} or label == "repeated":
            return False
        text = None if raw is None else raw.decode("utf-8", "replace")
        if label in BLANK or (text is not None and not text.strip()):
            return self.required and label in BLANK
        if label in REPLACED or text is None:
            return False
        if self.maxlength is not None and len(text) > self.maxlength:
            return True
        if self.kind in {"select", "radio"}:
            return text not in self.options
        if self.kind == "number":
            return not _valid_number(text, self)
        if self.kind == "date":
            if label in {"impossible date", "far date"}:
                return True
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return True
            # yyyy-mm-dd texts sort as the dates do.
            return (self.minimum is not None and text < self.minimum) or (
                self.maximum is not None and text > self.maximum
            )
        return False


def _valid_number(text: str, spec: Field) -> bool:
    if any(ord(char) > 127 for char in text) and all(char.isdigit() for char in text):
        return True  # a browser never sends these; the server may read them as digits
    if not re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text):
        return False
    number = float(text)
    if not math.isfinite(number):
        return False
    if spec.minimum is not None and number < spec.minimum:
        return False
    if spec.maximum is not None and number > spec.maximum:
        return False
    return not (spec.step in (None, "1") and number != int(number))


@dataclass
class Form:
    page: str  # the URL it was found on
    role: str  # whose client posts it
    action: str
    method: str
    fields: dict[str, Field]
    htmx: bool

    @property
    def url_name(self) -> str:
        return resolve(urlsplit(self.action).path).url_name

    @property
    def key(self) -> str:
        names = ",".join(sorted(self.fields))
        return f"{self.role} {self.method} {self.url_name} [{names}]"

    def baseline(self) -> dict[str, list[str]]:
        data = {}
        for spec in self.fields.values():
            values = list(spec.values)
            # A choice left on its empty option: the first real option, if one is needed.
            unchosen = not any(values) and spec.options and spec.kind in {"select", "radio"}
            if unchosen and (spec.required or spec.kind == "radio" or not values):
                values = [next((o for o in spec.options if o), spec.options[0])]
            if not any(v.strip() for v in values) and spec.name in FILL:
                values = [FILL[spec.name]]
            if values or spec.kind not in {"checkbox", "radio"}:
                data[spec.name] = values or [""]
        return data


class FormParser(HTMLParser):
    """The forms of a page: action, method, and each field with its constraints and value."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, dict[str, Field], list[dict]]] = []
        self.current: dict[str, Field] | None = None
        self.buttons: list[dict] = []  # the current form's submit buttons
        self.textarea: Field | None = None
        self.select: Field | None = None
        self.option: list | None = None  # [value or None (its text), selected]

    def _field(self, name: str, kind: str, attrs: dict) -> Field:
        assert self.current is not None
        spec = self.current.get(name)
        if spec is None:
            spec = self.current[name] = Field(name=name, kind=kind)
        spec.required |= "required" in attrs
        if attrs.get("maxlength"):
            spec.maxlength = int(attrs["maxlength"])
        for attr, slot in (("min", "minimum"), ("max", "maximum")):
            if attrs.get(attr):
                value = attrs[attr]
                setattr(spec, slot, value if kind == "date" else float(value))
        spec.step = attrs.get("step", spec.step)
        return spec

    def handle_starttag(self, tag: str, attr_list) -> None:
        attrs = {name: (value if value is not None else "") for name, value in attr_list}
        if tag == "form":
            self.current, self.buttons = {}, []
            self.forms.append((attrs, self.current, self.buttons))
        elif tag == "button" and self.current is not None:
            if attrs.get("type", "submit") == "submit" and "disabled" not in attrs:
                self.buttons.append(attrs)
        elif tag == "option" and self.select is not None:
            self._close_option()
            self.option = [attrs.get("value"), "selected" in attrs]
        elif self.current is None or not attrs.get("name") or "disabled" in attrs:
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                return
            spec = self._field(attrs["name"], kind, attrs)
            value = attrs.get("value", "on" if kind in {"checkbox", "radio"} else "")
            if kind in {"checkbox", "radio"}:
                spec.options.append(value)
                if "checked" in attrs:
                    spec.values.append(value)
            else:
                spec.values = [value]
        elif tag == "textarea":
            self.textarea = self._field(attrs["name"], "textarea", attrs)
            self.textarea.values = [""]
        elif tag == "select":
            self.select = self._field(attrs["name"], "select", attrs)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.values = [self.textarea.values[0] + data]
        elif self.option is not None and self.option[0] is None:
            self.option[0] = data.strip()  # an option without a value submits its text

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self.select = None

    def _close_option(self) -> None:
        if self.option is not None and self.select is not None:
            value, selected = self.option
            self.select.options.append(value or "")
            if selected:
                self.select.values = [value or ""]
        self.option = None


def parse_forms(html: str, page: str, role: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    forms = []
    for attrs, fields, buttons in parser.forms:
        # Each submit button may post the form elsewhere (formaction) or add its own value.
        for button in buttons or [{}]:
            action = button.get("formaction") or attrs.get("action") or page
            if urlsplit(action).netloc:
                continue  # not ours
            own = dict(fields)
            if button.get("name"):
                own[button["name"]] = Field(
                    button["name"], "submit", values=[button.get("value", "")]
                )
            forms.append(
                Form(
                    page=page,
                    role=role,
                    action=action,
                    method=(button.get("formmethod") or attrs.get("method", "get")).lower(),
                    fields=own,
                    htmx=any(name.startswith("data-hx-") for name in {**attrs, **button}),
                )
            )
        # A form whose htmx post goes elsewhere than its action (the new plan's hint) is
        # fuzzed there too, with the same fields.
        hx_post = attrs.get("data-hx-post")
        if hx_post and hx_post != attrs.get("action") and not urlsplit(hx_post).netloc:
            forms.append(
                Form(
                    page=page,
                    role=role,
                    action=hx_post,
                    method="post",
                    fields=dict(fields),
                    htmx=True,
                )
            )
    return forms


# --- the world, the clients, and the pages they see ----------------------------------------------


@dataclass
class Site:
    world: dict
    clients: dict[str, Client]
    forms: list[Form]
    pages: dict[str, set[str]]  # role -> every URL visited
    before: tuple = ()  # every learner's rows as each trial starts (trials are rolled back)


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _set_password_url(client: Client, user: User) -> str:
    """A real reset link, followed: Django moves the token into the session."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 302
    return response["Location"]


def discover(world) -> Site:
    carol = make_learner("carol@example.com", display_name="Carol")  # an empty account
    staff = make_learner("staff@example.com", is_staff=True, is_superuser=True)
    clients = {
        "alice": _client(world["alice"]),
        "carol": _client(carol),
        "anonymous": _client(),
        "staff": _client(staff),
    }
    world = {**world, "carol": carol, "staff": staff}
    pages: dict[str, set[str]] = {role: set() for role in clients}

    def visit(role: str, url: str) -> list[Form]:
        response = clients[role].get(url)
        assert response.status_code != 500, (role, url)
        pages[role].add(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return []
        return parse_forms(response.text, url, role)

    forms: list[Form] = []
    for name, case in sorted(CASES.items()):
        if case.kind == "api" or case.method != "GET":
            continue
        if name.removeprefix("mentor_") in MENTOR_READS and name.startswith("mentor_"):
            continue  # a learner's page as their mentor reads it: its forms aren't the mentor's
        url = url_for(name, case, world)
        role = "anonymous" if case.kind in {"anonymous_only", "token"} else "alice"
        forms += visit(role, url)
    module, track = world["module"], world["list"]
    extra = [
        ("alice", f"{reverse('plan_new')}?list={track}"),
        ("alice", f"{reverse('failure_new')}?module={module}&common=0"),
        ("anonymous", _set_password_url(clients["anonymous"], world["alice"])),
        ("carol", reverse("your_data")),
        ("carol", reverse("dashboard")),
        ("carol", f"{reverse('plan_new')}?list={track}"),
        ("staff", f"{reverse('weekly_preview')}?learner={world['alice'].pk}"),
        # An invite to alice: logged in as the invited address, the page offers its answers.
        ("alice", reverse("mentor_invite", args=[world["invite_token"]])),
        # A paper's page: its reading ledger (add, move on, check) and passes.
        ("alice", reverse("module_detail", args=[world["paper"]])),
    ]
    for role, url in extra:
        forms += visit(role, url)
    # A mentor's own forms (a comment, a delete), on a learner's failure read as their mentor:
    # only those, since the page's other (hidden) forms are the learner's and the mount takes
    # no POST. Not a visited page: each look is logged for the learner (a Visit row).
    mentor_page = reverse(
        "mentor_failure_detail", args=[world["mentored"], world["mentee_failure"]]
    )
    forms += [
        form
        for form in parse_forms(clients["alice"].get(mentor_page).text, mentor_page, "alice")
        if urlsplit(form.action).path.startswith(f"/mentoring/{world['mentored']}/comments/")
    ]
    # A running timer shows the stop button in place of the start buttons.
    Timer.objects.create(learner=world["alice"])
    forms += visit("alice", reverse("dashboard"))
    forms += visit("alice", reverse("module_detail", args=[module]))
    # Dora came back after three weeks away: the dashboard offers its re-plans. Eve's plan is
    # paused: its page offers to resume.
    for name in ("dora", "eve"):
        learner = make_learner(f"{name}@example.com", display_name=name.title())
        clients[name], pages[name], world[name] = _client(learner), set(), learner
        _away_for_three_weeks(learner, world["modules"])
    forms += visit("dora", reverse("dashboard"))
    eve, plan = world["eve"], Plan.objects.get(learner=world["eve"])
    PlanPause.objects.create(
        plan=plan, starts_on=eve.local_today(), resumes_on=eve.local_today() + timedelta(days=7)
    )
    forms += visit("eve", reverse("plan_detail", args=[plan.pk]))
    unique = {}
    for form in forms:
        unique.setdefault(form.key, form)
    site = Site(world=world, clients=clients, forms=list(unique.values()), pages=pages)
    site.before = snapshot()
    return site


def _away_for_three_weeks(learner, modules) -> None:
    """A plan begun six weeks ago, a module done, then no study for three weeks."""
    import time_machine

    from learners.study.progress import set_status

    today = learner.local_today()
    with time_machine.travel(timezone.now() - timedelta(weeks=6), tick=False):
        make_plan(learner, modules, target_end=today + timedelta(weeks=4))
        set_status(learner, modules[0], "done")
    StudySession.objects.create(
        learner=learner, module=modules[0], date=today - timedelta(weeks=3), minutes=120
    )


@pytest.fixture
def site(access_world) -> Site:  # noqa: F811
    return discover(access_world)


# Fields that take more than their HTML constraint says, by design. GET filters are all lenient:
# an unknown filter value is ignored and the page shown (a hand-edited URL still works).
LENIENT = {
    # The preview stores nothing; it shows the first 20,000 characters, as the note would keep.
    ("note_preview", "body"),
}
# Posts that store nothing whatever they are sent: the new plan's hint says what the form holds
# so far (or that it says nothing yet), so every value is "accepted" and no row may change.
READ_ONLY_POSTS = {"plan_hint"}


# --- one trial ------------------------------------------------------------------------------------


def snapshot(models=None) -> tuple:
    """Every learner's rows of every model a learner owns (or of `models`), and the accounts
    themselves (without last_login, which a login moves). Raw SQL: it runs for thousands of
    trials."""
    quote = connection.ops.quote_name
    user_columns = ", ".join(
        quote(field.column) for field in User._meta.concrete_fields if field.name != "last_login"
    )
    rows = []
    with connection.cursor() as cursor:
        for model in OWNED if models is None else models:
            cursor.execute(f"SELECT * FROM {quote(model._meta.db_table)} ORDER BY 1")  # noqa: S608
            rows.append(tuple(cursor.fetchall()))
        cursor.execute(f"SELECT {user_columns} FROM {quote(User._meta.db_table)} ORDER BY 1")  # noqa: S608
        rows.append(tuple(cursor.fetchall()))
    return tuple(rows)


def encode(pairs: list[tuple[str, bytes]]) -> bytes:
    return b"&".join(
        quote_from_bytes(name.encode(), safe=b"").encode()
        + b"="
        + quote_from_bytes(value, safe=b"").encode()
        for name, value in pairs
    )


def body_for(data: dict[str, list[str]], name: str | None, raw) -> bytes:
    pairs: list[tuple[str, bytes]] = []
    for key, values in data.items():
        if key == name:
            continue
        pairs += [(key, value.encode()) for value in values]
    if name is not None and raw is not None:
        pairs += [(name, item) for item in (raw if isinstance(raw, list) else [raw])]
    return encode(pairs)


def refused(response) -> bool:
    """Whether the site said no: an error status, an error message, a form shown again with
    its errors (some views answer that with 200), or the import's reason kept for the page."""
    if response.status_code >= 400:
        return True
    request = response.wsgi_request
    if any(message.level >= messages.ERROR for message in messages.get_messages(request)):
        return True
    if request.session.get(IMPORT_ERROR):
        return True
    if response.status_code == 200 and request.method == "POST":
        text = response.content.decode("utf-8", "replace")
        return 'class="errorlist' in text or 'class="form-errors' in text
    return False


def says_why(response) -> bool:
    """A refusal a person can act on: an error at a field, a form error, or a plain message."""
    if response.status_code in {401, 403, 404, 405, 413, 429}:
        return True
    if response.status_code < 400:
        return True  # an error message, shown on the page it redirects to
    text = response.content.decode("utf-8", "replace")
    if "html" not in response.get("Content-Type", ""):
        return bool(text.strip())
    return any(mark in text for mark in ('class="errorlist"', 'role="alert"', "form-errors"))


class Errors:
    """The exceptions behind 500s, for the report (the client only returns the 500 page)."""

    def __init__(self) -> None:
        self.last: str = ""
        got_request_exception.connect(self.record, dispatch_uid="fuzz-errors")

    def record(self, sender, request=None, **kwargs) -> None:
        error = sys.exc_info()[1]
        self.last = f"{type(error).__name__}: {str(error)[:160]!r}"

    def take(self) -> str:
        last, self.last = self.last, ""
        return last


ERRORS = Errors()


@dataclass
class Tally:
    trials: Counter = field(default_factory=Counter)
    refusals: int = 0
    acceptances: int = 0
    problems: list[str] = field(default_factory=list)


def trial(site: Site, form: Form, name: str | None, label: str, raw, tally: Tally, *, htmx=False):
    client = site.clients[form.role]
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)  # a copy: logout or a new session must not stick
    data = form.baseline()
    spec = form.fields.get(name) if name else None
    headers = {"HX-Request": "true"} if htmx else {}
    before = site.before
    where = f"{form.key} {name}={label}{' (htmx)' if htmx else ''}"
    tally.trials[(form.url_name, "htmx" if htmx else "plain")] += 1
    cache.clear()  # every value reaches the view: a rate limit (the preview's) is not what's tried
    try:
        with transaction.atomic():
            if form.method == "post":
                response = client.generic(
                    "POST",
                    form.action,
                    body_for(data, name, raw),
                    content_type="application/x-www-form-urlencoded",
                    headers=headers,
                )
            else:
                query = body_for(data, name, raw).decode()
                response = client.get(f"{urlsplit(form.action).path}?{query}", headers=headers)
            if response.status_code >= 500:
                tally.problems.append(f"{where}: {response.status_code} {ERRORS.take()}")
                transaction.set_rollback(True)
                return
            was_refused = refused(response)
            read_only = form.method == "get" or form.url_name in READ_ONLY_POSTS
            after = snapshot() if was_refused or read_only else before
            if read_only and after != before:
                tally.problems.append(
                    f"{where}: a {form.method.upper()} that stores nothing changed rows"
                )
            if was_refused:
                tally.refusals += 1
                if after != before:
                    tally.problems.append(f"{where}: refused ({response.status_code}) but saved")
                if not says_why(response):
                    tally.problems.append(f"{where}: refused with no message")
            else:
                tally.acceptances += 1
                lenient = read_only or (form.url_name, name) in LENIENT
                if spec is not None and not lenient and spec.expects_refusal(label, raw):
                    tally.problems.append(f"{where}: accepted ({response.status_code})")
                if response.status_code == 302:
                    location = urlsplit(response["Location"])
                    if location.netloc not in {"", "testserver"} or location.path[:2] == "//":
                        tally.problems.append(f"{where}: redirects off the site to {location}")
                    elif spec is not None and spec.visible and label not in BLANK:
                        # The page that shows what was just saved.
                        target = client.get(response["Location"])
                        if target.status_code >= 500:
                            tally.problems.append(f"{where}: the page after it is a 500")
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies


def post_forms(site: Site) -> list[Form]:
    return [form for form in site.forms if form.method == "post"]


# --- the tests ------------------------------------------------------------------------------------

# The API takes POST with no form: tests/test_fuzz_api.py fuzzes its JSON.
# Not forms: the API, and the inbox's "seen" mark, posted by htmx from an element when the page
# has loaded (its bad values: tests/test_mentor_threads.py).
NOT_FORMS = {"api_runs", "inbox_read"}


def test_every_url_that_takes_a_post_has_its_form_found_and_fuzzed(site):
    """Each URL that doesn't answer POST with 405 must have a form on some page, so none is
    left out of the fuzzing because nobody listed it."""
    fuzzed = {form.url_name for form in post_forms(site)}
    takes_post = set()
    for name, case in CASES.items():
        if name in NOT_FORMS:
            continue
        client = site.clients["anonymous" if case.kind in {"anonymous_only", "token"} else "alice"]
        cookies = client.cookies
        client.cookies = type(cookies)(cookies)  # logout must not log the client out for good
        with transaction.atomic():
            response = client.post(url_for(name, case, site.world), {})
            transaction.set_rollback(True)
        client.cookies = cookies
        if response.status_code != 405:
            takes_post.add(name)
    # Views that answer any method with the same page (no form): a POST there does nothing.
    pages_only = {
        "dashboard", "catalogue", "module_detail", "list_detail", "health", "plan_list",
        "plan_detail", "failure_list", "failure_lessons", "failure_detail", "timeline",
        "your_data", "export_json", "export_journal", "run_list", "run_compare", "run_detail",
        "run_vs_last_week", "module_runs", "client_download", "password_change_done",
        "password_reset_done", "password_reset_complete",
    }  # fmt: skip
    missing = sorted(takes_post - fuzzed - pages_only)
    assert missing == [], f"these URLs take POST but no page shows their form: {missing}"
    assert set(url_names()) >= fuzzed


def _field_cases(site: Site):
    for form in post_forms(site):
        names = [name for name in form.fields if name != "csrfmiddlewaretoken"]
        # A form of no fields still gets a field it didn't ask for.
        yield form, names or ["unexpected"]


def test_every_field_of_every_form_refuses_or_survives_every_value(site, capsys):
    tally = Tally()
    for form, names in _field_cases(site):
        for name in names:
            for label in values_for(form.fields.get(name)):
                trial(site, form, name, label, VALUES[label], tally)
        if form.htmx:
            # The same form as htmx sends it: fragments instead of a redirect.
            for name in names:
                for label in HTMX:
                    trial(site, form, name, label, VALUES[label], tally, htmx=True)
    report(capsys, "form fields", tally, by_url=True)
    assert tally.problems == [], "\n".join(tally.problems)
    assert sum(tally.trials.values()) > 1500


def test_a_valid_post_of_each_form_is_accepted(site):
    """The baseline each value is tried against is itself valid, or the refusals above would
    prove nothing."""
    refusing = []
    for form in post_forms(site):
        client = site.clients[form.role]
        cookies = client.cookies
        client.cookies = type(cookies)(cookies)
        with transaction.atomic():
            response = client.generic(
                "POST",
                form.action,
                body_for(form.baseline(), None, None),
                content_type="application/x-www-form-urlencoded",
            )
            expected = (form.role, form.url_name) in EXPECTED_REFUSED_BASELINES
            if refused(response) != expected:
                refusing.append(f"{form.key}: {response.status_code}")
            transaction.set_rollback(True)
        client.cookies = cookies
    assert refusing == [], "\n".join(refusing)


# Baselines refused by design in this world: the import needs a file (tried in
# test_fuzz_import.py), and a second active plan is refused while alice has one.
EXPECTED_REFUSED_BASELINES = {("carol", "import_json"), ("alice", "plan_new")}


def test_every_get_form_and_query_parameter_survives_every_value(site, capsys):
    """Filters, searches, pagination and the views' own parameters: every value, on every page."""
    tally = Tally()
    for form in [form for form in site.forms if form.method == "get"]:
        for name, spec in form.fields.items():
            for label in values_for(spec):
                trial(site, form, name, label, VALUES[label], tally)
    # Every parameter any view reads, all at once, on every page each role can see.
    parameters = (
        "page", "next", "module", "list", "common", "learner", "before", "kind", "sort", "run",
        "q", "topic", "category", "resolved", "outcome", "since", "until", "limit", "offset",
    )  # fmt: skip
    for role, urls in site.pages.items():
        for url in sorted(urls):
            try:
                resolve(urlsplit(url).path)
            except Resolver404:
                continue
            form = Form(url, role, urlsplit(url).path, "get", {}, False)
            for label, raw in VALUES.items():
                if raw is None:
                    continue
                items = raw if isinstance(raw, list) else [raw]
                query = encode([(name, item) for name in parameters for item in items])
                trial_query(site, form, query, label, tally)
    report(capsys, "query strings", tally)
    assert tally.problems == [], "\n".join(tally.problems)


def trial_query(site: Site, form: Form, query: bytes, label: str, tally: Tally) -> None:
    client = site.clients[form.role]
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    before = site.before
    tally.trials[(form.url_name, "query")] += 1
    cache.clear()
    try:
        with transaction.atomic():
            response = client.get(f"{form.action}?{query.decode()}")
            if response.status_code >= 500:
                tally.problems.append(
                    f"{form.role} GET {form.action} ?all={label}: 500 {ERRORS.take()}"
                )
            elif response.status_code >= 400:
                tally.refusals += 1
            else:
                tally.acceptances += 1
            if response.status_code < 500 and snapshot() != before:
                tally.problems.append(f"{form.role} GET {form.action} ?all={label}: changed rows")
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies


def report(capsys, what: str, tally: Tally, *, by_url: bool = False) -> None:
    """A line in the test output (shown even without -s): what was tried, and how it went."""
    urls = Counter()
    for (name, _), count in tally.trials.items():
        urls[name] += count
    lines = [f"\n{what}: {sum(tally.trials.values())} trials on {len(urls)} URLs, "
             f"{tally.refusals} refused, {tally.acceptances} accepted, "
             f"{len(tally.problems)} problems"]  # fmt: skip
    if by_url:
        lines += [f"  {name:<28} {count:>6}" for name, count in sorted(urls.items())]
    with capsys.disabled():
        print("\n".join(lines))


# --- the URL's own parts -------------------------------------------------------------------------

PATH_VALUES = {
    "zero": "0",
    "huge number": "9" * 30,
    "leading zeros": "0000001",
    "dash": "-",
    "5,000 characters": "a" * 5_000,
    "NUL": "a%00b",
    "lone surrogate": "a%ED%A0%80b",
    "invalid UTF-8": "%FF%FE",
    "emoji": "%F0%9F%94%A5",
    "RTL override": "%E2%80%AEa",
    "dots": "..",
    "encoded slash": "a%2Fb",
}


def test_every_url_survives_odd_values_in_its_path(site, capsys):
    """Each URL's ids, slugs and tokens replaced by values the converters may or may not let
    through: a 404 (or the page), never a 500, for every role."""
    tally = Tally()
    placeholder = "PLACEHOLDER0"
    for name, case in sorted(CASES.items()):
        for position in range(len(case.args)):
            args = [site.world[key] for key in case.args]
            args[position] = 123456789
            template = reverse(name, args=args).replace("123456789", placeholder)
            for label, value in PATH_VALUES.items():
                for role in ("alice", "anonymous"):
                    client = site.clients[role]
                    cookies = client.cookies
                    client.cookies = type(cookies)(cookies)
                    tally.trials[(name, "path")] += 1
                    with transaction.atomic():
                        response = client.generic(case.method, template.replace(placeholder, value))
                        if response.status_code >= 500:
                            tally.problems.append(
                                f"{role} {case.method} {name} arg {position}={label}: "
                                f"{response.status_code} {ERRORS.take()}"
                            )
                        transaction.set_rollback(True)
                    client.cookies = cookies
    report(capsys, "URL paths", tally)
    assert tally.problems == [], "\n".join(tally.problems)
