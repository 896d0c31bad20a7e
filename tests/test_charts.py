"""Server-rendered SVG charts: structure, text alternatives, empty data, and a strict CSP."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from learners.dashboard.charts import (
    GRID_LEFT,
    GRID_TOP,
    PITCH,
    PLOT_BOTTOM,
    PLOT_TOP,
    activity_heatmap,
    heat_level,
    weekly_hours_chart,
)
from learners.lib.weeks import local_date, recent_week_starts

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2026, 3, 4)  # a Wednesday
TWELVE_WEEKS = recent_week_starts(TODAY, 12)  # 15 Dec 2025 .. 2 Mar 2026
HOURS = [3, 5.5, 0, 12, 8, 10, 14, 9, 0, 7, 11, 4.5]


def parse(html: str) -> ET.Element:
    """The chart's markup must be well-formed XML too: parse it to check its structure."""
    return ET.fromstring(f"<root>{html}</root>")  # noqa: S314 - our own output, not a visitor's


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if "bar" in classes(rect)]


def texts(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [text for text in root.iter(f"{SVG}text") if css_class in classes(text)]


def cells(root: ET.Element) -> list[ET.Element]:
    """The heatmap's day squares: every heat-N rect outside the legend."""
    legend = {id(rect) for group in root.iter(f"{SVG}g") for rect in group.iter(f"{SVG}rect")}
    return [
        rect
        for rect in root.iter(f"{SVG}rect")
        if id(rect) not in legend and any(c.startswith("heat-") for c in classes(rect))
    ]


def title_of(element: ET.Element) -> str:
    return element.find(f"{SVG}title").text


def weekly(hours=HOURS, target=10.0, **kwargs) -> str:
    return weekly_hours_chart(list(zip(TWELVE_WEEKS, hours, strict=True)), target, **kwargs)


def assert_no_inline_styles(html: str) -> None:
    assert "style=" not in html
    assert "<style" not in html
    assert "<script" not in html


# --- weekly hours chart ----------------------------------------------------------------------


def test_it_draws_one_bar_per_week():
    root = parse(weekly())
    assert len(bars(root)) == 12


def test_it_is_an_image_named_by_its_title_and_description():
    root = parse(weekly())
    svg = root.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("viewBox") == "0 0 400 190"
    assert svg.get("width") == "100%"
    assert svg.get("aria-labelledby") == "weekly-hours-title weekly-hours-desc"
    assert svg.find(f"{SVG}title").get("id") == "weekly-hours-title"
    assert svg.find(f"{SVG}title").text == "Hours studied per week"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == "weekly-hours-desc"
    assert desc.text == (
        "Hours studied in each of 12 weeks, from the week of 15 Dec 2025 to the week of "
        "2 Mar 2026, against a target of 10 hours a week. This week: 4.5 hours."
    )


def test_only_the_current_week_is_highlighted_and_its_label_is_bold():
    root = parse(weekly())
    highlighted = [bar for bar in bars(root) if "bar-current" in classes(bar)]
    assert len(highlighted) == 1
    assert highlighted[0] is bars(root)[-1]
    assert title_of(highlighted[0]) == "Week of 2 Mar: 4.5 hours"
    current_labels = texts(root, "chart-label-current")
    assert [label.text for label in current_labels] == ["2 Mar"]


def test_the_current_week_can_be_named():
    root = parse(weekly(current=TWELVE_WEEKS[5]))
    highlighted = [i for i, bar in enumerate(bars(root)) if "bar-current" in classes(bar)]
    assert highlighted == [5]


def test_bar_heights_are_proportional_to_hours():
    root = parse(weekly())
    heights = [float(bar.get("height")) for bar in bars(root)]
    tallest = max(heights)
    assert tallest == PLOT_BOTTOM - PLOT_TOP  # 14 hours, the most, fills the plot
    assert heights[3] == pytest.approx(tallest * 12 / 14, abs=0.1)
    assert heights[-1] == pytest.approx(tallest * 4.5 / 14, abs=0.1)
    for bar in bars(root):
        assert float(bar.get("y")) + float(bar.get("height")) == pytest.approx(PLOT_BOTTOM)


def test_the_target_line_sits_in_proportion_to_the_tallest_bar():
    hours = [0] * 11 + [20]
    root = parse(weekly(hours, target=10))
    line = next(line for line in root.iter(f"{SVG}line") if "target-line" in classes(line))
    tallest_top = float(bars(root)[-1].get("y"))
    assert float(line.get("y1")) == pytest.approx((tallest_top + PLOT_BOTTOM) / 2, abs=0.1)
    assert line.get("y1") == line.get("y2")


def test_a_target_above_every_bar_is_the_top_of_the_scale():
    root = parse(weekly([10] * 12, target=15))
    line = next(line for line in root.iter(f"{SVG}line") if "target-line" in classes(line))
    assert float(line.get("y1")) == PLOT_TOP
    bar_height = float(bars(root)[0].get("height"))
    assert bar_height == pytest.approx((PLOT_BOTTOM - PLOT_TOP) * 10 / 15, abs=0.1)
    assert [t.text for t in texts(root, "target-label")] == ["target", "15 h"]


def test_bars_carry_their_values_and_empty_weeks_carry_none():
    root = parse(weekly())
    values = [text.text for text in texts(root, "chart-value")]
    assert values == ["3", "5.5", "12", "8", "10", "14", "9", "7", "11", "4.5"]
    zero_bars = [bar for bar in bars(root) if "bar-zero" in classes(bar)]
    assert len(zero_bars) == 2
    assert title_of(zero_bars[0]) == "Week of 29 Dec: 0 hours"


def test_twelve_weeks_are_labelled_every_other_week_ending_with_this_one():
    root = parse(weekly())
    labels = [text.text for text in texts(root, "chart-label")]
    assert labels == ["22 Dec", "5 Jan", "19 Jan", "2 Feb", "16 Feb", "2 Mar"]


def test_a_few_weeks_are_all_labelled():
    weeks = list(zip(recent_week_starts(TODAY, 4), [1, 2, 3, 4], strict=True))
    root = parse(weekly_hours_chart(weeks, 5))
    labels = [text.text for text in texts(root, "chart-label")]
    assert labels == ["9 Feb", "16 Feb", "23 Feb", "2 Mar"]


def test_the_hidden_table_lists_every_week_with_hours_and_target():
    root = parse(weekly())
    table = root.find("table")
    assert table.get("class") == "visually-hidden"
    assert table.find("caption").text == "Hours studied per week"
    assert [th.text for th in table.find("thead").iter("th")] == ["Week of", "Hours", "Target"]
    rows = table.find("tbody").findall("tr")
    assert len(rows) == 12
    first, last = rows[0], rows[-1]
    assert [first.find("th").text] + [td.text for td in first.findall("td")] == [
        "15 Dec 2025",
        "3",
        "10",
    ]
    assert [last.find("th").text] + [td.text for td in last.findall("td")] == [
        "2 Mar 2026 (this week)",
        "4.5",
        "10",
    ]


def test_weeks_of_nothing_make_a_calm_empty_chart():
    html = weekly([0] * 12, target=10)
    root = parse(html)
    assert len(bars(root)) == 12
    assert all("bar-zero" in classes(bar) for bar in bars(root))
    assert texts(root, "chart-value") == []
    assert [text.text for text in texts(root, "chart-empty")] == [
        "No study logged in these weeks yet"
    ]
    line = next(line for line in root.iter(f"{SVG}line") if "target-line" in classes(line))
    assert float(line.get("y1")) == PLOT_TOP  # the target alone sets the scale
    assert "This week: 0 hours." in html


def test_no_hours_and_no_target_divide_by_nothing():
    root = parse(weekly([0] * 12, target=0))
    assert len(bars(root)) == 12
    assert not [line for line in root.iter(f"{SVG}line") if "target-line" in classes(line)]
    assert [td.text for td in root.find("table/tbody/tr").findall("td")] == ["0", "–"]


def test_no_weeks_at_all_still_renders():
    root = parse(weekly_hours_chart([], 10))
    assert bars(root) == []
    assert [text.text for text in texts(root, "chart-empty")] == ["No weeks to show yet"]
    assert root.find(f"{SVG}svg/{SVG}desc").text == "No weeks to show yet."
    assert root.find("table/tbody").findall("tr") == []


def test_negative_hours_are_drawn_as_none():
    root = parse(weekly([-3] + [1] * 11))
    assert "bar-zero" in classes(bars(root)[0])


def test_two_charts_on_a_page_have_their_own_ids():
    html = weekly(id_prefix="plan-7-hours")
    assert 'aria-labelledby="plan-7-hours-title plan-7-hours-desc"' in html
    assert 'id="plan-7-hours-title"' in html
    assert "weekly-hours" not in html


def test_the_markup_is_escaped_even_though_it_only_holds_numbers_and_dates():
    html = weekly(id_prefix='x" onload="alert(1)')
    assert 'onload="' not in html
    assert "x&quot; onload=&quot;alert(1)-title" in html


# --- heatmap intensity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "level"),
    [
        (-5, 0),
        (0, 0),
        (1, 1),
        (29, 1),
        (30, 2),
        (59, 2),
        (60, 3),
        (119, 3),
        (120, 4),
        (600, 4),
    ],
)
def test_intensity_steps_at_half_an_hour_one_hour_and_two(minutes, level):
    assert heat_level(minutes) == level


# --- activity heatmap ------------------------------------------------------------------------


def test_the_heatmap_has_a_square_for_every_day_up_to_today():
    # 25 full weeks and Monday to Wednesday of this one.
    root = parse(activity_heatmap({}, TODAY))
    assert len(cells(root)) == 25 * 7 + 3


def test_on_a_sunday_the_grid_is_full():
    root = parse(activity_heatmap({}, date(2026, 3, 8)))
    assert len(cells(root)) == 26 * 7


def test_columns_are_weeks_and_rows_start_on_monday():
    root = parse(activity_heatmap({}, TODAY, weeks=2))
    squares = cells(root)
    assert [title_of(cell).split(":")[0] for cell in squares] == [
        "Mon 23 Feb 2026",
        "Tue 24 Feb 2026",
        "Wed 25 Feb 2026",
        "Thu 26 Feb 2026",
        "Fri 27 Feb 2026",
        "Sat 28 Feb 2026",
        "Sun 1 Mar 2026",
        "Mon 2 Mar 2026",
        "Tue 3 Mar 2026",
        "Wed 4 Mar 2026",
    ]
    positions = [(float(cell.get("x")), float(cell.get("y"))) for cell in squares]
    assert positions[0] == (GRID_LEFT, GRID_TOP)  # first Monday, top left
    assert positions[6] == (GRID_LEFT, GRID_TOP + 6 * PITCH)  # its Sunday at the bottom
    assert positions[7] == (GRID_LEFT + PITCH, GRID_TOP)  # this Monday, last column
    assert positions[-1] == (GRID_LEFT + PITCH, GRID_TOP + 2 * PITCH)


def test_days_after_today_are_left_empty():
    future = {TODAY + timedelta(days=1): 90, TODAY + timedelta(days=4): 200}
    html = activity_heatmap(future, TODAY)
    assert "5 Mar 2026" not in html
    assert "8 Mar 2026" not in html
    assert "No study logged" in html


def test_each_square_names_its_day_and_time():
    minutes = {date(2026, 3, 3): 80, date(2026, 3, 2): 45, date(2026, 2, 24): 120}
    root = parse(activity_heatmap(minutes, TODAY, weeks=2))
    titles = [title_of(cell) for cell in cells(root)]
    assert "Tue 3 Mar 2026: 1 h 20 min" in titles
    assert "Mon 2 Mar 2026: 45 min" in titles
    assert "Tue 24 Feb 2026: 2 h" in titles
    assert "Wed 4 Mar 2026: no study" in titles


def test_squares_get_the_class_of_their_intensity():
    minutes = {
        date(2026, 2, 23): 0,
        date(2026, 2, 24): 10,
        date(2026, 2, 25): 30,
        date(2026, 2, 26): 90,
        date(2026, 2, 27): 150,
    }
    root = parse(activity_heatmap(minutes, TODAY, weeks=2))
    first_five = [classes(cell) for cell in cells(root)[:5]]
    assert first_five == [{"heat-0"}, {"heat-1"}, {"heat-2"}, {"heat-3"}, {"heat-4"}]


def test_today_is_outlined():
    root = parse(activity_heatmap({TODAY: 30}, TODAY))
    outlined = [cell for cell in cells(root) if "today" in classes(cell)]
    assert len(outlined) == 1
    assert classes(outlined[0]) == {"heat-2", "today"}
    assert title_of(outlined[0]) == "Wed 4 Mar 2026: 30 min"


def test_months_are_labelled_once_each_without_colliding():
    root = parse(activity_heatmap({}, TODAY))
    labels = [
        (text.text, float(text.get("x")))
        for text in texts(root, "chart-label")
        if float(text.get("y")) < GRID_TOP
    ]
    # 8 Sep 2025 is the first Monday: every month from September to March, in order.
    assert [name for name, _ in labels] == ["Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    xs = [x for _, x in labels]
    assert all(b - a >= 3 * PITCH for a, b in pairwise(xs))


def test_a_month_starting_in_the_last_column_is_kept_inside_the_chart():
    root = parse(activity_heatmap({}, TODAY))
    width = float(root.find(f"{SVG}svg").get("viewBox").split()[2])
    march = next(text for text in texts(root, "chart-label") if text.text == "Mar")
    assert march.get("text-anchor") == "end"
    assert float(march.get("x")) <= width


def test_the_weekdays_are_labelled_monday_first():
    root = parse(activity_heatmap({}, TODAY))
    days = [text for text in texts(root, "chart-label") if float(text.get("x")) < GRID_LEFT]
    assert [text.text for text in days] == ["Mon", "Wed", "Fri"]
    assert [float(text.get("y")) < GRID_TOP + PITCH for text in days] == [True, False, False]


def test_the_legend_shows_the_five_intensities():
    root = parse(activity_heatmap({}, TODAY))
    legend = root.find(f"{SVG}svg/{SVG}g")
    assert legend.get("class") == "legend"
    squares = legend.findall(f"{SVG}rect")
    assert [square.get("class") for square in squares] == [f"heat-{n}" for n in range(5)]
    assert [title_of(square) for square in squares] == [
        "no study",
        "under 30 minutes",
        "30 to 59 minutes",
        "1 to 2 hours",
        "2 hours or more",
    ]
    assert [text.text for text in legend.findall(f"{SVG}text")] == ["Less", "More"]


def test_the_heatmap_is_an_image_with_a_description_of_its_scale():
    root = parse(activity_heatmap({}, TODAY))
    svg = root.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "activity-title activity-desc"
    assert svg.find(f"{SVG}title").text == "Study activity, last 26 weeks"
    assert svg.find(f"{SVG}desc").text == (
        "One square per day from 8 Sep 2025 to 4 Mar 2026, Monday at the top, darker for more "
        "study: no study, under 30 minutes, 30 to 59 minutes, 1 to 2 hours, 2 hours or more."
    )


def test_the_summary_counts_days_streaks_and_hours():
    sunday = date(2026, 3, 8)
    minutes = {
        sunday: 60,
        sunday - timedelta(days=1): 30,
        sunday - timedelta(days=2): 30,
        sunday - timedelta(days=3): 0,
        sunday - timedelta(days=10): 45,
        sunday - timedelta(days=181): 15,  # the first day shown
        sunday - timedelta(days=182): 600,  # the day before: not shown, not counted
    }
    root = parse(activity_heatmap(minutes, sunday))
    summary = root.find("p")
    assert summary.get("class") == "chart-summary"
    assert summary.text == (
        "Studied on 5 of the last 182 days; longest streak 3 days; 3 hours in all."
    )


def test_a_little_study_is_counted_in_minutes_and_singulars():
    root = parse(activity_heatmap({TODAY: 25}, TODAY))
    assert root.find("p").text == (
        "Studied on 1 of the last 178 days; longest streak 1 day; 25 minutes in all."
    )


def test_an_empty_heatmap_is_calm():
    root = parse(activity_heatmap({}, TODAY))
    assert {frozenset(classes(cell)) for cell in cells(root)} == {
        frozenset({"heat-0"}),
        frozenset({"heat-0", "today"}),
    }
    assert root.find("p").text == "No study logged in the last 178 days yet."


def test_the_grid_crosses_the_new_year():
    new_year = date(2026, 1, 2)
    minutes = {date(2025, 12, 31): 50, date(2026, 1, 1): 70}
    root = parse(activity_heatmap(minutes, new_year, weeks=4))
    titles = [title_of(cell) for cell in cells(root)]
    assert titles[0] == "Mon 8 Dec 2025: no study"
    assert "Wed 31 Dec 2025: 50 min" in titles
    assert titles[-1] == "Fri 2 Jan 2026: no study"
    months = [text.text for text in texts(root, "chart-label") if float(text.get("y")) < GRID_TOP]
    assert months == ["Dec"]  # 29 Dec is the last Monday: January has no Monday yet


def test_the_last_column_follows_the_learners_own_today():
    # Sunday evening in Honolulu is already Monday in Tonga: a new, one-day column.
    with time_machine.travel(datetime(2026, 3, 9, 5, 0, tzinfo=UTC), tick=False):
        now = timezone.now()
        honolulu = parse(activity_heatmap({}, local_date(now, ZoneInfo("Pacific/Honolulu"))))
        tonga = parse(activity_heatmap({}, local_date(now, ZoneInfo("Pacific/Tongatapu"))))
    assert len(cells(honolulu)) == 26 * 7
    assert len(cells(tonga)) == 25 * 7 + 1
    assert title_of(cells(tonga)[-1]) == "Mon 9 Mar 2026: no study"


def test_a_custom_number_of_weeks_sizes_the_grid():
    root = parse(activity_heatmap({}, TODAY, weeks=52))
    assert len(cells(root)) == 51 * 7 + 3
    assert root.find(f"{SVG}svg/{SVG}title").text == "Study activity, last 52 weeks"


# --- strict CSP ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(lambda: weekly(), id="weekly"),
        pytest.param(lambda: weekly([0] * 12, 0), id="weekly-empty"),
        pytest.param(lambda: weekly_hours_chart([], 10), id="weekly-no-weeks"),
        pytest.param(
            lambda: activity_heatmap({TODAY: 200, date(2026, 1, 5): 20}, TODAY), id="heat"
        ),
        pytest.param(lambda: activity_heatmap({}, TODAY), id="heat-empty"),
    ],
)
def test_no_chart_needs_inline_styles_or_scripts(html):
    assert_no_inline_styles(html())


def test_every_class_the_charts_use_is_styled():
    from tests.conftest import REPO

    css = (REPO / "static" / "css" / "charts.css").read_text()
    used = set()
    for html in (weekly(), activity_heatmap({TODAY: 200}, TODAY)):
        used |= {name for names in re.findall(r'class="([^"]+)"', html) for name in names.split()}
    # Styled by app.css (visually-hidden, num) or only a hook for tests and the legend group.
    used -= {"visually-hidden", "num", "legend"}
    missing = {name for name in used if f".{name}" not in css}
    assert not missing
