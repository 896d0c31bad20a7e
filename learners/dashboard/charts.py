"""Charts drawn on the server as inline SVG: weekly hours as bars, daily study as a heatmap.

No JavaScript and no chart library: the page stays light and works under the strict
Content-Security-Policy, which forbids `style` attributes and `<style>` elements. So geometry is
written as SVG presentation attributes (x, y, width, height, rx, text-anchor) and everything
visual — colours, dashes, font sizes, dark mode — comes from classes in static/css/charts.css.
Each chart scales with its `viewBox` and `width="100%"`.

Every chart carries its own text alternative: `role="img"` with a `<title>` and `<desc>` named
by `aria-labelledby`, then the data itself as text (a visually hidden table for the bars, a
visible summary sentence for the heatmap).

Heatmap intensity, by minutes studied that day (`heat_level`):
``heat-0`` none, ``heat-1`` under 30 min, ``heat-2`` 30–59 min, ``heat-3`` 1 h to under 2 h,
``heat-4`` 2 h or more. Half an hour and an hour are the natural units people log; two hours
and more is a deep session.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from datetime import date, timedelta

from django.core.cache import caches
from django.utils import dateformat
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from learners.lib.svg import coord, join_svg
from learners.lib.weeks import week_start

# Upper bounds (exclusive) of heat-0..heat-3, in minutes; heat-4 is everything above.
HEAT_THRESHOLDS = (1, 30, 60, 120)
HEAT_NAMES = ("no study", "under 30 minutes", "30 to 59 minutes", "1 to 2 hours", "2 hours or more")

# The weekly chart's drawing area, in viewBox units. Narrow enough that an 11-unit label stays
# legible when a phone shrinks the chart to ~340px.
BARS_WIDTH, BARS_HEIGHT = 400, 190
PLOT_LEFT, PLOT_RIGHT = 4, 356  # the right gutter holds the target's label
PLOT_TOP, PLOT_BOTTOM = 24, 164  # room above for value labels, below for week labels
BAR_FILL = 0.7  # share of each week's slot the bar covers
ZERO_BAR = 1.5  # a zero week still shows a sliver, so empty weeks read as "nothing", not "missing"
# More than this many weeks and the labels would collide: label every other week.
ALL_LABELS_UP_TO = 8

# The heatmap's squares, in viewBox units.
CELL, GAP = 11, 3
PITCH = CELL + GAP
GRID_LEFT, GRID_TOP = 30, 18  # room for weekday and month labels
DAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}
MONTH_LABEL_WIDTH = 24  # "May" at the largest font size charts.css sets


# Drawn charts are kept in this cache under a digest of everything they draw from.
CACHE = "fragments"
CACHE_TIMEOUT = 24 * 60 * 60
# Part of every key: change it when a chart's drawing changes, so that a shared cache never
# serves a chart drawn by the code before.
DRAWING = 2


def cached(draw: Callable[..., SafeString], *args, **kwargs) -> SafeString:
    """`draw(*args, **kwargs)`, or the same chart drawn before from the same numbers.

    A chart is a pure function of its arguments (and the language, which names the months and
    days), so the key is a digest of them: a learner whose hours haven't changed, or two
    learners with the same numbers, get the SVG without drawing it again. An entry can never be
    stale — other numbers are another key — so the cache may be per process.
    """
    named = repr((draw.__name__, DRAWING, get_language(), args, sorted(kwargs.items())))
    key = "chart:" + hashlib.blake2b(named.encode(), digest_size=20).hexdigest()
    cache = caches[CACHE]
    svg = cache.get(key)
    if svg is None:
        svg = draw(*args, **kwargs)
        cache.set(key, svg, CACHE_TIMEOUT)  # a SafeString pickles as one
    return svg


# --- weekly hours ----------------------------------------------------------------------------


def weekly_hours_chart(
    weeks: list[tuple[date, float]],
    target: float,
    *,
    current: date | None = None,
    id_prefix: str = "weekly-hours",
) -> SafeString:
    """Bars of hours per week (Monday, hours), oldest first, with a dashed target line.

    The current week (by default the last one) is highlighted. Returns the SVG followed by a
    visually hidden table of week, hours and target.
    """
    weeks = [(monday, max(float(hours), 0.0)) for monday, hours in weeks]
    target = max(float(target), 0.0)
    if current is None and weeks:
        current = weeks[-1][0]
    count = len(weeks)
    scale = max([hours for _, hours in weeks] + [target]) or 1.0
    plot_height = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(count, 1)
    bar_width = slot * BAR_FILL

    parts: list[SafeString] = [
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            coord(PLOT_LEFT),
            coord(PLOT_BOTTOM),
            coord(PLOT_RIGHT),
            coord(PLOT_BOTTOM),
        )
    ]
    for index, (monday, hours) in enumerate(weeks):
        is_current = monday == current
        center = PLOT_LEFT + slot * (index + 0.5)
        height = hours / scale * plot_height if hours > 0 else ZERO_BAR
        classes = "bar"
        if hours <= 0:
            classes += " bar-zero"
        if is_current:
            classes += " bar-current"
        label = dateformat.format(monday, "j M")
        parts.append(
            format_html(
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2">'
                "<title>Week of {}: {}</title></rect>",
                classes,
                coord(center - bar_width / 2),
                coord(PLOT_BOTTOM - height),
                coord(bar_width),
                coord(height),
                label,
                _hours_words(hours),
            )
        )
        if hours > 0:
            parts.append(
                format_html(
                    '<text class="{}" x="{}" y="{}">{}</text>',  # centred by charts.css
                    "chart-value chart-value-current" if is_current else "chart-value",
                    coord(center),
                    coord(PLOT_BOTTOM - height - 4),
                    _hours_number(hours),
                )
            )
        # Past eight weeks, label every other one, counted back from the newest so it has one.
        if count <= ALL_LABELS_UP_TO or (count - 1 - index) % 2 == 0 or is_current:
            parts.append(
                format_html(
                    '<text class="{}" x="{}" y="{}">{}</text>',  # centred by charts.css
                    "chart-label chart-label-current" if is_current else "chart-label",
                    coord(center),
                    coord(PLOT_BOTTOM + 16),
                    label,
                )
            )

    if target > 0:
        target_y = PLOT_BOTTOM - target / scale * plot_height
        parts.append(
            format_html(
                '<line class="target-line" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="target-label" x="{}" y="{}">target</text>'
                '<text class="target-label" x="{}" y="{}">{} h</text>',
                coord(PLOT_LEFT),
                coord(target_y),
                coord(PLOT_RIGHT),
                coord(target_y),
                coord(PLOT_RIGHT + 5),
                coord(target_y - 3),
                coord(PLOT_RIGHT + 5),
                coord(target_y + 10),
                _hours_number(target),
            )
        )

    if not any(hours > 0 for _, hours in weeks):
        message = "No study logged in these weeks yet" if weeks else "No weeks to show yet"
        parts.append(
            format_html(
                '<text class="chart-empty" x="{}" y="{}">{}</text>',  # centred by charts.css
                coord((PLOT_LEFT + PLOT_RIGHT) / 2),
                coord(PLOT_TOP + plot_height / 2),
                message,
            )
        )

    svg = format_html(
        '<svg class="chart weekly-chart" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">Hours studied per week</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        BARS_WIDTH,
        BARS_HEIGHT,
        id_prefix,
        id_prefix,
        id_prefix,
        id_prefix,
        _weekly_description(weeks, target, current),
        join_svg(parts),
    )
    return format_html("{}{}", svg, _weekly_table(weeks, target, current))


def _weekly_description(
    weeks: list[tuple[date, float]], target: float, current: date | None
) -> str:
    if not weeks:
        return "No weeks to show yet."
    first, last = weeks[0][0], weeks[-1][0]
    text = (
        f"Hours studied in each of {len(weeks)} weeks, from the week of "
        f"{_long_day(first)} to the week of {_long_day(last)}"
    )
    if target > 0:
        text += f", against a target of {_hours_words(target)} a week"
    text += "."
    for monday, hours in weeks:
        if monday == current:
            text += f" This week: {_hours_words(hours)}."
    return text


def _weekly_table(
    weeks: list[tuple[date, float]], target: float, current: date | None
) -> SafeString:
    rows = [
        format_html(
            '<tr><th scope="row">{}{}</th><td class="num">{}</td><td class="num">{}</td></tr>',
            _long_day(monday),
            " (this week)" if monday == current else "",
            _hours_number(hours),
            _hours_number(target) if target > 0 else "–",
        )
        for monday, hours in weeks
    ]
    return format_html(
        '<table class="visually-hidden"><caption>{}</caption><thead><tr>'
        '<th scope="col">Week of</th><th scope="col">Hours</th><th scope="col">Target</th>'
        "</tr></thead><tbody>{}</tbody></table>",
        "Hours studied per week",
        join_svg(rows),
    )


# --- activity heatmap ------------------------------------------------------------------------


def heat_level(minutes: int) -> int:
    """0–4, for the classes heat-0..heat-4: none, <30 min, <1 h, <2 h, 2 h or more."""
    return sum(1 for bound in HEAT_THRESHOLDS if minutes >= bound)


def activity_heatmap(
    minutes_by_day: Mapping[date, int],
    today: date,
    weeks: int = 26,
    *,
    id_prefix: str = "activity",
) -> SafeString:
    """A GitHub-style grid of study minutes: a column per week, Monday at the top.

    The last column is the current week; days after `today` are left empty. Returns the SVG
    followed by a one-sentence summary of the period.
    """
    weeks = max(int(weeks), 1)
    first = week_start(today) - timedelta(weeks=weeks - 1)
    days = [first + timedelta(days=offset) for offset in range((today - first).days + 1)]
    minutes = {day: max(int(minutes_by_day.get(day, 0) or 0), 0) for day in days}

    width = GRID_LEFT + weeks * PITCH - GAP + 2
    legend_y = GRID_TOP + 7 * PITCH + 8
    height = legend_y + CELL + 2

    parts: list[SafeString] = []
    for column, label in _month_labels(first, weeks):
        x, anchor = GRID_LEFT + column * PITCH, ""  # SVG's default anchor is the start
        if x + MONTH_LABEL_WIDTH > width:
            # A month starting in the last column: right-align so it isn't cut off.
            x, anchor = width - 1, ' text-anchor="end"'
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}"{}>{}</text>',
                coord(x),
                coord(GRID_TOP - 6),
                SafeString(anchor),
                label,
            )
        )
    for row, label in DAY_LABELS.items():
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                coord(GRID_LEFT - 5),
                coord(GRID_TOP + row * PITCH + CELL - 2),
                label,
            )
        )
    # 182 cells: plain f-strings, not format_html (a third of the dashboard's chart time). Every
    # piece is made here from numbers and dates — nothing a learner typed — so nothing needs
    # escaping. "Tue 3 Mar 2026" by strftime, not dateformat: the site is English.
    cells = []
    for offset, day in enumerate(days):
        column, row = divmod(offset, 7)
        level = heat_level(minutes[day])
        cells.append(
            f'<rect class="heat-{level}{" today" if day == today else ""}" '
            f'x="{coord(GRID_LEFT + column * PITCH)}" y="{coord(GRID_TOP + row * PITCH)}" '
            f'width="{CELL}" height="{CELL}" rx="2">'
            f"<title>{day:%a} {day.day} {day:%b %Y}: {_minutes_words(minutes[day])}</title></rect>"
        )
    parts.append(SafeString("".join(cells)))
    parts.append(_legend(width, legend_y))

    svg = format_html(
        '<svg class="chart heatmap" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">Study activity, last {} weeks</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        width,
        height,
        id_prefix,
        id_prefix,
        id_prefix,
        weeks,
        id_prefix,
        (
            f"One square per day from {_long_day(first)} to {_long_day(today)}, Monday at the "
            "top, darker for more study: " + ", ".join(HEAT_NAMES) + "."
        ),
        join_svg(parts),
    )
    return format_html(
        '{}<p class="chart-summary" id="{}-summary">{}</p>',
        svg,
        id_prefix,
        activity_summary(minutes, days),
    )


def activity_summary(minutes: Mapping[date, int], days: list[date]) -> str:
    """'Studied on 45 of the last 182 days; longest streak 9 days; 96 hours in all.'"""
    studied = [minutes.get(day, 0) > 0 for day in days]
    total = sum(max(minutes.get(day, 0), 0) for day in days)
    period = _count(len(days), "day")
    if not any(studied):
        return f"No study logged in the last {period} yet."
    longest = run = 0
    for did_study in studied:
        run = run + 1 if did_study else 0
        longest = max(longest, run)
    amount = _count(_whole(total / 60), "hour") if total >= 60 else _count(total, "minute")
    return (
        f"Studied on {sum(studied)} of the last {period}; "
        f"longest streak {_count(longest, 'day')}; {amount} in all."
    )


def _month_labels(first: date, weeks: int) -> list[tuple[int, str]]:
    """(column, "Mar") for each column whose Monday starts a new month."""
    labels = []
    for column in range(weeks):
        monday = first + timedelta(weeks=column)
        previous = monday - timedelta(weeks=1)
        if column == 0 or monday.month != previous.month:
            labels.append((column, dateformat.format(monday, "M")))
    # The first column's month would collide with a label two columns later: drop it.
    if len(labels) > 1 and labels[1][0] < 3:
        labels.pop(0)
    return labels


def _legend(width: float, y: float) -> SafeString:
    """'Less ■■■■■ More', right-aligned under the grid."""
    more_x = width - 2
    last_cell_x = more_x - 36 - CELL  # room for "More" at the phone's larger font
    cells = [
        format_html(
            '<rect class="heat-{}" x="{}" y="{}" width="{}" height="{}" rx="2">'
            "<title>{}</title></rect>",
            level,
            coord(last_cell_x - (4 - level) * PITCH),
            coord(y),
            CELL,
            CELL,
            HEAT_NAMES[level],
        )
        for level in range(5)
    ]
    return format_html(
        '<g class="legend"><text class="chart-label" x="{}" y="{}" text-anchor="end">Less</text>'
        '{}<text class="chart-label" x="{}" y="{}" text-anchor="end">More</text></g>',
        coord(last_cell_x - 4 * PITCH - 4),
        coord(y + CELL - 2),
        join_svg(cells),
        coord(more_x),
        coord(y + CELL - 2),
    )


# --- words and numbers -----------------------------------------------------------------------


def _whole(value: float) -> int:
    return math.floor(value + 0.5)


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _hours_number(hours: float) -> str:
    """'4.5' under ten hours, whole hours from ten up: precision the bars can show."""
    if hours >= 10:
        return str(_whole(hours))
    return f"{round(hours, 1):g}"


def _hours_words(hours: float) -> str:
    number = _hours_number(hours)
    return f"{number} hour" if number == "1" else f"{number} hours"


def _minutes_words(minutes: int) -> str:
    """'1 h 20 min', '45 min', '2 h', or 'no study'."""
    if minutes <= 0:
        return "no study"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min"


def _long_day(day: date) -> str:
    return dateformat.format(day, "j M Y")
