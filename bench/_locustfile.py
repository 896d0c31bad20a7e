"""Locust users for bench/load.py (not a benchmark itself: bench/run.py skips `_*.py`).

`LearnerUser` is one learner in a browser with htmx: it reads the dashboard and a module page,
ticks and unticks checkpoints, logs study sessions and writes notes, sending what the browser
sends: the session cookie, the CSRF cookie, the page's CSRF token in `X-CSRFToken` (from
`<body data-hx-headers>`), `HX-Request: true`, and each form's hidden fields (`page`, `next`,
a fresh `submission` key for the idempotent forms). Every answer is checked for what the page
would swap in; anything else is a failure with the reason.

`HealthUser` requests GET /health/ (no database, same middleware); `OneQueryUser` the one-query
template view as a logged-in learner: the baselines.

Input (written by bench/load.py): BENCH_LOAD_LEARNERS, a JSON file with each learner's session
id, modules and ticked checkpoints. Output: BENCH_LOAD_STATE, a JSON file with each learner's
ticked checkpoints as this client last saw them confirmed (none for a learner whose last tick
was still unanswered when the run ended), and the answer to every session and note posted by
its submission key (0: still unanswered at the end), for bench/load.py to check against the
database.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, constant, events, task

LEARNERS = json.loads(Path(os.environ["BENCH_LOAD_LEARNERS"]).read_text())
THINK = float(os.environ.get("BENCH_LOAD_THINK", "0"))
TOKEN = re.compile(r'data-hx-headers=\'\{"x-csrftoken": "(\w+)"\}\'')
_next_learner = itertools.count()
# learner index → {module slug: sorted ticked keys}; None while a tick is unanswered, and for
# good once one fails (that learner's ticks can no longer be predicted).
STATE: dict[int, dict[str, list[str]] | None] = {}
BROKEN: set[int] = set()
# submission key of every session and note posted → the status answered (0: none yet).
SUBMISSIONS: dict[str, int] = {}

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# With BENCH_LOAD_TIMELINE=1: (sent, answered, name, status) of every request (load_faults.py).
TIMELINE: list[tuple[float, float, str, int]] | None = (
    [] if os.environ.get("BENCH_LOAD_TIMELINE") == "1" else None
)


def _wait():
    return between(THINK / 2, THINK * 1.5) if THINK else constant(0)


class LearnerUser(FastHttpUser):
    wait_time = _wait()

    def on_start(self) -> None:
        self.index = next(_next_learner) % len(LEARNERS)
        self.learner = LEARNERS[self.index]
        self.ticked = {slug: set(keys) for slug, keys in self.learner["ticked"].items()}
        STATE[self.index] = self._snapshot()
        host = urlsplit(self.host).hostname
        self.client.cookiejar.set_cookie(_cookie("sessionid", self.learner["session"], host))
        self.token = ""
        self.dashboard()  # a browser opens a page before it can post: the CSRF cookie and token

    # --- reads -------------------------------------------------------------------------------

    @task(5)
    def dashboard(self) -> None:
        with self.client.get("/", name="GET / (dashboard)", catch_response=True) as response:
            if self._page_ok(response, 'id="quick-log"'):
                response.success()

    @task(2)
    def module_page(self) -> None:
        module = random.choice(self.learner["modules"])
        with self.client.get(
            f"/modules/{module['slug']}/", name="GET /modules/<slug>/", catch_response=True
        ) as response:
            if self._page_ok(response, 'id="note-form"'):
                response.success()

    # --- htmx writes ---------------------------------------------------------------------------

    @task(4)
    def tick_or_untick(self) -> None:
        module = random.choice(self.learner["modules"])
        key = random.choice(module["checkpoints"])
        slug = module["slug"]
        ticking = key not in self.ticked[slug]
        form = {"page": "module", "next": f"/modules/{slug}/"} | (
            {"ticked": "on"} if ticking else {}
        )
        STATE[self.index] = None  # unknown until answered (the run may end first)
        with self._post(
            f"/modules/{slug}/checkpoints/{key}/", form, "POST tick/untick", f"/modules/{slug}/"
        ) as response:
            if response.status_code == 200 and 'class="tick-form' in (response.text or ""):
                (self.ticked[slug].add if ticking else self.ticked[slug].discard)(key)
                response.success()
            else:
                BROKEN.add(self.index)
                response.failure(f"tick: {response.status_code} {_excerpt(response)}")
        if self.index not in BROKEN:
            STATE[self.index] = self._snapshot()

    @task(2)
    def log_session(self) -> None:
        module = random.choice(self.learner["modules"])
        minutes = random.choice([15, 25, 30, 45, 60, 90])
        form = {
            "page": "dashboard",
            "next": "/",
            "submission": uuid.uuid4().hex,
            "session-date": self.learner["today"],
            "session-minutes": str(minutes),
            "session-module": str(module["id"]),
            "session-description": "Worked through the exercises",
        }
        SUBMISSIONS[form["submission"]] = 0
        with self._post("/sessions/", form, "POST /sessions/ (log a session)", "/") as response:
            SUBMISSIONS[form["submission"]] = response.status_code
            if response.status_code == 200 and f"Logged {minutes} minutes" in (response.text or ""):
                response.success()
            else:
                response.failure(f"session: {response.status_code} {_excerpt(response)}")

    @task(2)
    def add_note(self) -> None:
        module = random.choice(self.learner["modules"])
        slug = module["slug"]
        form = {
            "page": "module",
            "module": slug,
            "submission": uuid.uuid4().hex,
            "body": "Attention is a **weighted average** of values; "
            "the weights are $\\mathrm{softmax}(QK^T/\\sqrt{d})$.",
        }
        SUBMISSIONS[form["submission"]] = 0
        with self._post(
            f"/modules/{slug}/notes/", form, "POST /modules/<slug>/notes/", f"/modules/{slug}/"
        ) as response:
            SUBMISSIONS[form["submission"]] = response.status_code
            if response.status_code == 200 and "Note saved." in (response.text or ""):
                response.success()
            else:
                response.failure(f"note: {response.status_code} {_excerpt(response)}")

    # --- helpers -------------------------------------------------------------------------------

    def _post(self, path: str, form: dict, name: str, current: str):
        headers = FORM | {
            "X-CSRFToken": self.token,
            "HX-Request": "true",
            "HX-Current-URL": self.host + current,
            "Origin": self.host,
        }
        return self.client.post(
            path, data=urlencode(form), headers=headers, name=name, catch_response=True
        )

    def _page_ok(self, response, marker: str) -> bool:
        text = response.text or ""
        found = TOKEN.search(text)
        if response.status_code != 200 or marker not in text or not found:
            response.failure(f"page: {response.status_code} {_excerpt(response)}")
            return False
        self.token = found.group(1)
        return True

    def _snapshot(self) -> dict[str, list[str]]:
        return {slug: sorted(keys) for slug, keys in self.ticked.items()}


class HealthUser(FastHttpUser):
    wait_time = _wait()

    @task
    def health(self) -> None:
        with self.client.get("/health/", name="GET /health/", catch_response=True) as response:
            if response.status_code == 200 and response.text == "ok":
                response.success()
            else:
                response.failure(f"health: {response.status_code}")


class OneQueryUser(FastHttpUser):
    """A logged-in learner on the one-query template view (bench/dashboard.py): the floor a
    real page can reach, on the same server."""

    wait_time = _wait()

    def on_start(self) -> None:
        learner = LEARNERS[next(_next_learner) % len(LEARNERS)]
        host = urlsplit(self.host).hostname
        self.client.cookiejar.set_cookie(_cookie("sessionid", learner["session"], host))

    @task
    def one_query(self) -> None:
        with self.client.get(
            "/bench/one-query/", name="GET one-query view", catch_response=True
        ) as response:
            if response.status_code == 200 and "<ol>" in response.text:
                response.success()
            else:
                response.failure(f"one-query view: {response.status_code}")


def _cookie(name: str, value: str, domain: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0, name, value, None, False, domain, False, False, "/", True, False, None, False, None,
        None, {},
    )  # fmt: skip


def _excerpt(response) -> str:
    return " ".join((response.text or "")[:160].split())


@events.request.add_listener
def _record(name, response_time, response, start_time=None, **_kwargs) -> None:
    if TIMELINE is not None and start_time is not None:
        status = getattr(response, "status_code", 0) or 0
        TIMELINE.append((start_time, start_time + response_time / 1000, name, status))


@events.quitting.add_listener
def _write_state(environment, **_kwargs) -> None:
    target = os.environ.get("BENCH_LOAD_STATE")
    if target:
        Path(target).write_text(
            json.dumps(
                {
                    "ticked": {str(k): v for k, v in STATE.items() if k not in BROKEN},
                    "submissions": SUBMISSIONS,
                    "timeline": TIMELINE or [],
                }
            )
        )
