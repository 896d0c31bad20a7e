"""Drawn hours charts kept under a digest of their numbers (learners/dashboard/charts.py,
`cached`): the same numbers are drawn once, other numbers are drawn anew, and what the cache
gives back is exactly what drawing gives."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.cache import caches
from django.utils import translation

from learners.dashboard import charts
from tests.factories import make_modules, make_plan

TODAY = date(2026, 12, 3)
WEEKS = [(TODAY - timedelta(weeks=w), float(w)) for w in range(12, 0, -1)]


@pytest.fixture(autouse=True)
def _empty():
    caches[charts.CACHE].clear()


def counting(draw):
    return mock.Mock(side_effect=draw, __name__=draw.__name__)


def test_the_same_numbers_are_drawn_once_and_given_back_as_drawn():
    draw = counting(charts.weekly_hours_chart)
    first = charts.cached(draw, WEEKS, 10.0)
    second = charts.cached(draw, WEEKS, 10.0)
    assert draw.call_count == 1
    assert first == second == charts.weekly_hours_chart(WEEKS, 10.0)
    assert second.__html__() == str(first)  # still safe to put in a page


def test_any_other_number_is_drawn_anew():
    draw = counting(charts.weekly_hours_chart)
    charts.cached(draw, WEEKS, 10.0)
    charts.cached(draw, WEEKS, 12.0)  # another target
    charts.cached(draw, [*WEEKS[:-1], (WEEKS[-1][0], 2.5)], 10.0)  # another week's hours
    assert draw.call_count == 3


def test_the_heatmap_key_holds_its_minutes_its_day_and_its_length():
    draw = counting(charts.activity_heatmap)
    minutes = {TODAY: 30}
    charts.cached(draw, minutes, TODAY, weeks=26)
    charts.cached(draw, {TODAY: 31}, TODAY, weeks=26)
    charts.cached(draw, minutes, TODAY + timedelta(days=1), weeks=26)
    charts.cached(draw, minutes, TODAY, weeks=12)
    charts.cached(draw, minutes, TODAY, weeks=26)
    assert draw.call_count == 4
    assert charts.cached(draw, minutes, TODAY, weeks=26) == charts.activity_heatmap(
        minutes, TODAY, weeks=26
    )


def test_the_language_is_in_the_key():
    draw = counting(charts.activity_heatmap)
    with translation.override("en"):
        charts.cached(draw, {TODAY: 30}, TODAY)
    with translation.override("de"):
        charts.cached(draw, {TODAY: 30}, TODAY)
    assert draw.call_count == 2


@pytest.mark.django_db
def test_a_session_logged_shows_in_the_charts_at_once(client, alice):
    make_plan(alice, make_modules(2))
    client.force_login(alice)
    caches["pages"].clear()
    before = client.get("/").text
    response = client.post(
        "/sessions/",
        {
            "session-date": alice.local_today().isoformat(),
            "session-minutes": "150",
            "session-description": "a long one",
            "page": "dashboard",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    nothing = "No study logged in the last"
    assert nothing in before and nothing not in response.text
    assert ": 2 h 30 min</title>" in response.text
    caches["pages"].clear()
    assert nothing not in client.get("/").text
