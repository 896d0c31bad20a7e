"""The ledger on the pages around it: cached page sections move with every ledger write, the
weekly email's papers in progress and items checked this week, an anonymous visitor's view."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from learners.lib.mail import render_email
from learners.papers import ledger
from learners.papers.models import Entry
from learners.weekly.report import CHART_HEIGHT, build_report
from tests.factories import make_modules, make_paper, make_plan

pytestmark = pytest.mark.django_db


def test_cached_pages_show_each_ledger_write_at_once(client, alice):
    paper = make_paper(2)
    make_plan(alice, [*make_modules(1), paper])
    client.force_login(alice)
    assert "Owned <span" in client.get(paper.get_absolute_url()).text
    assert "Owned <strong" in client.get("/").text  # the first view put it in progress
    entry = Entry.objects.filter(learner=alice).order_by("item_key").first()
    client.post(f"/ledger/{entry.pk}/move/", {"direction": "on"})
    client.post(f"/ledger/{entry.pk}/move/", {"direction": "on", "how": "hand"})
    page = client.get(paper.get_absolute_url()).text
    assert (
        '<span data-count="ledger-owned">1</span> of <span data-count="ledger-total">2</span>'
        in page
    )
    assert f'data-count="paper-owned-{paper.slug}">1</strong> of 2' in client.get("/").text
    client.post(f"/modules/{paper.slug}/passes/read/", {"status": "in_progress"})
    assert (
        'aria-pressed="true">In progress<span class="visually-hidden">: Read'
        in client.get(paper.get_absolute_url()).text
    )
    client.post(f"/ledger/{entry.pk}/edit/", {"words": "My *own* words"})
    assert "My <em>own</em> words" in client.get(paper.get_absolute_url()).text


def test_the_weekly_email_names_papers_in_progress_and_items_checked_this_week(alice):
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=UTC), tick=False):
        paper = make_paper(3)
        make_plan(alice, [*make_modules(1), paper])
        ledger.for_module(alice, paper)
    entries = list(Entry.objects.filter(learner=alice).order_by("item_key"))
    ledger.move(entries[0], now=datetime(2026, 2, 3, 20, tzinfo=UTC))
    ledger.move(entries[0], how="hand", now=datetime(2026, 2, 4, 20, tzinfo=UTC))
    ledger.move(entries[1], now=datetime(2026, 1, 20, 20, tzinfo=UTC))
    ledger.move(entries[1], how="hand", now=datetime(2026, 1, 21, 20, tzinfo=UTC))  # last month
    report = build_report(alice, datetime(2026, 2, 2).date(), datetime(2026, 2, 9, 8, tzinfo=UTC))
    assert report.papers.checked == 1
    email = render_email("weekly", {"report": report, "chart_height": CHART_HEIGHT})
    text = email.text
    assert "PAPERS" in text
    assert "1 ledger entry checked this week." in text
    assert f"- {paper.title}: owned 2 of 3 (http" in text
    html = email.html
    assert f"{paper.get_absolute_url()}#ledger" in html


def test_an_anonymous_visitor_sees_the_papers_items_and_how_to_start(client):
    paper = make_paper(3)
    response = client.get(paper.get_absolute_url())
    assert response.text.count('class="ledger-entry"') == 3
    assert "to move each item from" in response.text
    assert not Entry.objects.exists()
