"""The timeline: every source in one feed, grouped by the learner's weeks with their hours,
filtered, and paged by cursor at a constant query count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from learners.experiments.models import Run
from learners.models import (
    ConfidenceRating,
    Note,
    Status,
    StatusChange,
    StudySession,
)
from learners.record import timeline as feed
from learners.record.models import Failure
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def modules(client, alice):
    modules = make_modules(3)
    make_plan(alice, modules)
    client.force_login(alice)
    return modules


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """March 2026, UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def entries(html: str) -> list[str]:
    """Each entry as "kind: text", in page order."""
    found = re.findall(r'<li class="timeline-entry kind-(\w+)">(.*?)</li>', html, re.DOTALL)
    return [f"{kind}: {' '.join(re.sub(r'<[^>]+>', ' ', body).split())}" for kind, body in found]


def weeks(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<h2 class="h3">Week of ([^<]+?)(?: <span.*?)?</h2>\s*<p class="small muted"><strong data-week-hours="[\d-]+">([\d.]+)</strong>',
        html,
    )


@pytest.fixture
def story(alice, bob, modules):
    m0, m1, _ = modules
    StudySession.objects.create(
        learner=alice,
        module=m0,
        date=date(2026, 3, 2),
        minutes=90,
        description="Read the paper",
        created_at=at(2, 20),
    )
    StudySession.objects.create(
        learner=alice, module=m1, date=date(2026, 3, 10), minutes=30, created_at=at(10, 20)
    )
    StudySession.objects.create(
        learner=alice, date=date(2026, 3, 10), minutes=45, created_at=at(10, 21)
    )
    Note.objects.create(
        learner=alice, module=m0, body="Attention is **all** you need", created_at=at(3, 9)
    )
    StatusChange.objects.create(
        learner=alice,
        module=m0,
        old_status=Status.NOT_STARTED,
        new_status=Status.IN_PROGRESS,
        at=at(2, 19),
    )
    StatusChange.objects.create(
        learner=alice,
        module=m0,
        old_status=Status.IN_PROGRESS,
        new_status=Status.DONE,
        at=at(9, 18),
    )
    ConfidenceRating.objects.create(learner=alice, module=m0, value=2, at=at(3, 10))
    ConfidenceRating.objects.create(learner=alice, module=m0, value=4, at=at(9, 19))
    Failure.objects.create(
        learner=alice,
        module=m1,
        title="Mask off by one",
        what_happened="Loss *stuck*",
        happened_on=date(2026, 3, 10),
        created_at=at(10, 22),
        lesson="Test the mask",
        lesson_at=at(11, 9),
    )
    Run.objects.create(learner=alice, module=m1, name="baseline-lr3e-4", started_at=at(10, 23))
    Note.objects.create(learner=bob, module=m0, body="Bob's note", created_at=at(10, 9))


def test_the_timeline_shows_every_kind_of_entry_newest_first(client, story):
    html = client.get("/timeline/").text
    assert entries(html) == [
        "lesson: Wed 11 Mar, 09:00 Lesson learned from Mask off by one · Module m 0001 Test the mask",
        "run: Tue 10 Mar, 23:00 Run baseline-lr3e-4 · Module m 0001 · Inconclusive",
        "failure: Tue 10 Mar Failure Mask off by one · Bug in my code · Module m 0001 Loss stuck",
        "session: Tue 10 Mar Studied 45 min",
        "session: Tue 10 Mar Studied 30 min on Module m 0001",
        "confidence: Mon 9 Mar, 19:00 Confidence in Module m 0000 : 4 of 5 (was 2)",
        "finished: Mon 9 Mar, 18:00 Finished Module m 0000",
        "confidence: Tue 3 Mar, 10:00 Confidence in Module m 0000 : 2 of 5",
        "note: Tue 3 Mar, 09:00 Note on Module m 0000 Attention is all you need",
        "session: Mon 2 Mar Studied 90 min on Module m 0000 : Read the paper",
        "status: Mon 2 Mar, 19:00 Started Module m 0000 · Not started → In progress",
    ]
    assert "Bob" not in html


def test_a_run_links_to_its_page(client, story):
    run = Run.objects.get()
    assert f'<a href="/runs/{run.pk}/">baseline-lr3e-4</a>' in client.get("/timeline/").text


def test_entries_are_grouped_by_week_with_the_weeks_hours(client, story):
    assert weeks(client.get("/timeline/").text) == [
        ("9 March 2026", "1.2"),
        ("2 March 2026", "1.5"),
    ]


def test_weeks_are_the_learners_own(client, alice, modules):
    alice.time_zone = "America/Los_Angeles"
    alice.save(update_fields=["time_zone"])
    # Monday 9 March 03:00 UTC is Sunday 8 March, 20:00 in Los Angeles: the earlier week.
    Note.objects.create(learner=alice, module=modules[0], body="late", created_at=at(9, 3))
    html = client.get("/timeline/").text
    assert [week for week, _ in weeks(html)] == ["2 March 2026"]
    assert "Sun 8 Mar, 20:00" in html


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ("kind=failure", ["failure"]),
        ("kind=lesson", ["lesson"]),
        ("kind=finished", ["finished"]),
        ("kind=status", ["finished", "status"]),
        ("kind=confidence", ["confidence", "confidence"]),
        ("kind=run", ["run"]),
        ("kind=note", ["note"]),
        ("kind=session", ["session", "session", "session"]),
        ("kind=bogus", None),  # ignored: everything
    ],
)
def test_the_timeline_filters_by_kind(client, story, query, kinds):
    found = [entry.split(":")[0] for entry in entries(client.get(f"/timeline/?{query}").text)]
    assert found == kinds if kinds is not None else len(found) == 11


def test_the_timeline_filters_by_module_and_counts_that_modules_hours(client, story, modules):
    html = client.get(f"/timeline/?module={modules[1].slug}").text
    assert all("Module m 0001" in entry for entry in entries(html))
    assert len(entries(html)) == 4  # lesson, run, failure, session
    assert weeks(html) == [("9 March 2026", "0.5")]
    assert "h studied on this module" in html


def test_htmx_filters_answer_the_results_only(client, story):
    text = client.get("/timeline/?kind=failure", headers=HTMX).text
    assert text.lstrip().startswith('<section id="timeline-results"')
    assert "<html" not in text and 'id="timeline-kind"' not in text


def test_an_empty_timeline_says_how_it_starts(client, modules):
    assert "Your timeline is empty." in client.get("/timeline/").text


# --- paging ------------------------------------------------------------------------------------


def crowd(alice, modules, count: int) -> None:
    """`count` entries of each source, many sharing one instant (the ties the cursor breaks)."""
    moment = lambda i: at(1) + timedelta(minutes=i // 3)  # noqa: E731 — three per minute
    day = lambda i: date(2026, 1, 1) + timedelta(days=i // 5)  # noqa: E731
    m = modules[0]
    StudySession.objects.bulk_create(
        StudySession(learner=alice, module=m, date=day(i), minutes=30, created_at=moment(i))
        for i in range(count)
    )
    Note.objects.bulk_create(
        Note(learner=alice, module=m, body=f"n{i}", body_html=f"<p>n{i}</p>", created_at=moment(i))
        for i in range(count)
    )
    Failure.objects.bulk_create(
        Failure(
            learner=alice,
            module=m,
            title=f"f{i}",
            happened_on=day(i),
            created_at=moment(i),
            lesson=f"l{i}",
            lesson_html=f"<p>l{i}</p>",
            lesson_at=moment(i),
        )
        for i in range(count)
    )
    StatusChange.objects.bulk_create(
        StatusChange(
            learner=alice, module=m, old_status="not_started", new_status="done", at=moment(i)
        )
        for i in range(count)
    )
    ConfidenceRating.objects.bulk_create(
        ConfidenceRating(learner=alice, module=m, value=1 + i % 5, at=moment(i))
        for i in range(count)
    )
    Run.objects.bulk_create(
        Run(learner=alice, module=m, name=f"r{i}", started_at=moment(i)) for i in range(count)
    )


def test_walking_the_cursor_shows_every_entry_once_in_order(alice, modules):
    crowd(alice, modules, 40)  # 7 sources × 40 = 280 entries, 6 pages
    seen, after, pages = [], None, 0
    while True:
        page = feed.build_timeline(alice, feed.Filters(), after)
        pages += 1
        keys = [entry.key for entry in page.entries]
        assert keys == sorted(keys, reverse=True)
        if seen:
            assert keys[0] < seen[-1]
        seen += keys
        if page.next_cursor is None:
            break
        after = feed.Key.decode(page.next_cursor)
        assert after == keys[-1]
    assert pages == 6
    assert len(seen) == len(set(seen)) == 7 * 40


def test_a_page_that_continues_a_week_says_so(client, alice, modules):
    crowd(alice, modules, 40)
    first = client.get("/timeline/").text
    cursor = re.search(r'before=([\w-]+)"', first).group(1)
    older = client.get(f"/timeline/?before={cursor}", headers=HTMX).text
    assert older.lstrip().startswith('<section class="timeline-week"')
    assert "(continued)" in older
    assert 'id="timeline-more"' in older


def test_the_last_page_says_it_is_the_beginning(client, story):
    assert "That’s the beginning." in client.get("/timeline/").text


@pytest.mark.parametrize("cursor", ["nonsense", "20260230-20260101000000000000-1-1", "x" * 300])
def test_a_broken_cursor_starts_from_the_newest(client, story, cursor):
    response = client.get(f"/timeline/?before={cursor}")
    assert response.status_code == 200
    assert len(entries(response.text)) == 11


@pytest.mark.parametrize("kind", ["", "note", "session"])
@pytest.mark.parametrize(
    "cursor", ["99991231-99991231235959000000-0-1", "00010101-00010101000000000000-0-1"]
)
def test_a_cursor_at_the_ends_of_the_calendar_starts_from_the_newest(
    client, story, alice, cursor, kind
):
    # The day after 9999-12-31, and 0001-01-01's midnight east of UTC, are no datetimes at all.
    alice.time_zone = "Pacific/Auckland"
    alice.save(update_fields=["time_zone"])
    newest = client.get(f"/timeline/?kind={kind}")
    response = client.get(f"/timeline/?kind={kind}&before={cursor}")
    assert response.status_code == 200
    assert entries(response.text) == entries(newest.text)


def test_a_cursor_survives_the_url(alice, modules):
    key = feed.Key(date(2026, 3, 1), at(1, 13, 7).replace(microsecond=123456), 3, 99)
    assert feed.Key.decode(key.encode()) == key


@pytest.mark.parametrize("count", [10, 1000])
def test_the_timeline_query_count_does_not_grow(
    client, alice, modules, django_assert_num_queries, count
):
    crowd(alice, modules, count // 7 + 1)
    # session, user; sessions, notes, failures, lessons, status changes, confidence ratings,
    # runs (each at most a page + 1); the shown weeks' hours; the modules for the filter
    with django_assert_num_queries(11):
        response = client.get("/timeline/")
    assert response.status_code == 200
    assert len(entries(response.text)) == min(feed.PAGE_SIZE, 7 * (count // 7 + 1))
    cursor = re.search(r'before=([\w-]+)"', response.text)
    if cursor:
        with django_assert_num_queries(10):  # an older page: no filter choices
            client.get(f"/timeline/?before={cursor.group(1)}", headers=HTMX)
