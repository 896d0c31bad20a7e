"""Hostile text in every field the weekly email shows stays inert: in the HTML part as built, as
received over SMTP, and in Chromium showing the preview."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from learners.experiments.models import ModuleMetric, Run, RunMetric
from learners.models import Plan, StudySession, User
from learners.record.models import Failure
from learners.weekly.report import build_report
from learners.weekly.sender import render_weekly
from tests.conftest import log_in
from tests.factories import make_learner, make_modules, make_plan
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

MONDAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 11, 12, tzinfo=UTC)
# What the email's own template legitimately has, which a page's checker would flag: inline
# styles (mail clients need them) and its <meta> charset and viewport.
TEMPLATE_ONLY = ("style attribute on <", "<meta> element")


def everything() -> list[str]:
    return payloads() + HTMX_PAYLOADS


def write_history(learner: User, modules, text: str) -> None:
    """`text` in every field of the learner's that the email shows."""
    User.objects.filter(pk=learner.pk).update(display_name=text[:80])
    Plan.objects.filter(learner=learner).update(goal=text[:300])
    Failure.objects.filter(learner=learner).delete()
    Run.objects.filter(learner=learner).delete()
    ModuleMetric.objects.filter(learner=learner).delete()
    with time_machine.travel(datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False):
        Failure.objects.create(
            learner=learner,
            module=modules[0],
            title=text[:200],
            lesson=text,
            happened_on=date(2026, 3, 4),
        )
    with time_machine.travel(datetime(2026, 2, 3, 12, tzinfo=UTC), tick=False):
        Failure.objects.create(  # the spaced reminder, four weeks back
            learner=learner,
            module=modules[1],
            title=text[:200],
            lesson=text,
            happened_on=date(2026, 2, 3),
        )
    ModuleMetric.objects.create(learner=learner, module=modules[0], name=text[:100])
    run = Run.objects.create(
        learner=learner,
        module=modules[0],
        name=text[:200],
        started_at=datetime(2026, 3, 5, tzinfo=UTC),
    )
    RunMetric.objects.create(run=run, name=text[:100], value=0.5)


@pytest.fixture
def hostile_learner(db):
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=UTC), tick=False):
        learner = make_learner("alice@example.com")
        modules = make_modules(3)
        make_plan(learner, modules)
    StudySession.objects.create(learner=learner, date=date(2026, 3, 3), minutes=90)
    return learner, modules


@pytest.mark.django_db
def test_every_payload_in_every_field_leaves_the_email_html_inert(hostile_learner):
    learner, modules = hostile_learner
    write_history(learner, modules, "A plain title")
    learner.refresh_from_db()
    benign = render_weekly(build_report(learner, MONDAY, NOW)).html
    baseline = active_content(benign)
    assert baseline and all(p.startswith(TEMPLATE_ONLY) for p in baseline)
    for payload in everything():
        write_history(learner, modules, payload)
        learner.refresh_from_db()
        report = build_report(learner, MONDAY, NOW)
        assert report.failures and report.reminder and report.highlight
        html = render_weekly(report).html
        # Nothing beyond the template's own inline styles and <meta> tags, and not one more
        # of those either: the payload added nothing that could run or restyle the message.
        assert active_content(html) == baseline, payload


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_preview_of_hostile_emails_runs_nothing_and_calls_no_other_site(page, live_server):
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=UTC), tick=False):
        learner = make_learner("alice@example.com")
        modules = make_modules(3)
        make_plan(learner, modules)
    StudySession.objects.create(learner=learner, date=date(2026, 3, 3), minutes=90)
    requests: list[str] = []
    violations: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, learner, live_server.url)
    # Several payloads at once (title, lesson, name, goal, metric each carry one), in batches.
    batch = 8
    items = everything()
    with time_machine.travel(NOW, tick=True):
        for start in range(0, len(items), batch):
            write_history(learner, modules, "\n\n".join(items[start : start + batch]))
            page.goto("/email/weekly/preview/")
            frame = page.frame_locator("iframe.weekly-frame")
            frame.locator("a", has_text="Open your dashboard").wait_for()
            page.wait_for_load_state("networkidle")
            frame.locator("body").hover()
            page.wait_for_timeout(100)
            # The email's inline styles apply inside its own document (its CSP allows them).
            color = frame.locator("a", has_text="Open your dashboard").evaluate(
                "element => getComputedStyle(element).backgroundColor"
            )
            assert color == "rgb(67, 56, 202)"
    assert page.dialogs == []
    assert [url for url in requests if not url.startswith(live_server.url)] == []
    assert [url for url in requests if "/admin/" in url or "/api/" in url] == []
    # Whatever the policy refused (a hostile image, say), it never had to refuse a style:
    # the email's own inline styles are allowed, and sanitizing left no others.
    assert [text for text in violations if "style-src" in text] == []
