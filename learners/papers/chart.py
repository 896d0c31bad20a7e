"""How understanding grew: a server-drawn SVG of the ledger's states, day by day.

One stacked bar per day on which an entry changed (the last DAYS_SHOWN of them): checked
below, plausible above, out of every counted entry. The numbers are also a visually hidden
table, as in the other charts (learners/review/summary.py, learners/dashboard/charts.py).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.html import format_html
from django.utils.safestring import SafeString

from learners.lib.svg import coord, join_svg

DAYS_SHOWN = 12
WIDTH, HEIGHT = 320, 104
LEFT, RIGHT, TOP, BOTTOM = 8, 312, 8, 80


def days_of_growth(history, counted: set[int], tz: ZoneInfo):
    """[(day, checked, plausible)] at the end of each day something changed, oldest first."""
    state: dict[int, str] = {}
    days: dict = {}
    for at, entry_id, _old, new in history:
        if entry_id not in counted:
            continue
        state[entry_id] = new
        day = at.astimezone(tz).date()
        values = list(state.values())
        days[day] = (values.count("checked"), values.count("plausible"))
    return [(day, checked, plausible) for day, (checked, plausible) in days.items()][-DAYS_SHOWN:]


def growth_chart(
    history: list[tuple[datetime, int, str, str]], counted: set[int], tz: ZoneInfo, *, id_prefix
) -> SafeString:
    total = len(counted)
    days = days_of_growth(history, counted, tz)
    if not days or not total:
        return SafeString("")
    slot = (RIGHT - LEFT) / max(len(days), 6)
    parts = [
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            LEFT,
            BOTTOM,
            RIGHT,
            BOTTOM,
        )
    ]
    for index, (day, checked, plausible) in enumerate(days):
        x = LEFT + slot * index + slot * 0.15
        label = day.strftime("%-d %b")
        checked_height = (BOTTOM - TOP) * checked / total
        plausible_height = (BOTTOM - TOP) * plausible / total
        parts.append(
            format_html(
                "<g><title>{}: {} checked, {} plausible, of {}</title>"
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="1"/>'
                '<rect class="bar bar-light" x="{}" y="{}" width="{}" height="{}" rx="1"/></g>',
                label,
                checked,
                plausible,
                total,
                coord(x),
                coord(BOTTOM - checked_height),
                coord(slot * 0.7),
                coord(checked_height),
                coord(x),
                coord(BOTTOM - checked_height - plausible_height),
                coord(slot * 0.7),
                coord(plausible_height),
            )
        )
        if index % 2 == (len(days) - 1) % 2:
            parts.append(
                format_html(
                    '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    coord(x + slot * 0.35),
                    BOTTOM + 14,
                    label,
                )
            )
    rows = join_svg(
        format_html(
            '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td></tr>',
            day.strftime("%-d %b %Y"),
            checked,
            plausible,
        )
        for day, checked, plausible in days
    )
    return format_html(
        '<svg class="chart ledger-chart" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-title" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">Entries checked (dark) and plausible (light), of {}, on each day '
        "your ledger moved</title>{}</svg>"
        '<table class="visually-hidden"><caption>Your ledger, day by day (of {} entries)'
        '</caption><thead><tr><th scope="col">Day</th><th scope="col">Checked</th>'
        '<th scope="col">Plausible</th></tr></thead><tbody>{}</tbody></table>',
        WIDTH,
        HEIGHT,
        id_prefix,
        id_prefix,
        total,
        join_svg(parts),
        total,
        rows,
    )
