"""Metric curves drawn on the server as inline SVG, in the style of learners/charts.py.

No JavaScript and no style attributes (the CSP forbids them): the SVG carries geometry only,
and static/css/experiments.css gives each curve its colour *and* its dash pattern, so runs
stay apart without colour. Each chart has `role="img"`, a `<title>` and a `<desc>` named by
`aria-labelledby`, and a visually hidden table of each curve's first, last, lowest and
highest values. Long curves are thinned to MAX_POINTS for drawing; the table uses every point.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, localcontext

from django.utils.html import format_html
from django.utils.safestring import SafeString

from learners.lib.svg import coord, join_svg

WIDTH, HEIGHT = 480, 236
PLOT_LEFT, PLOT_RIGHT = 56, 470  # room on the left for the value labels
PLOT_TOP, PLOT_BOTTOM = 12, 196  # room below for step labels and the axis name
MAX_POINTS = 400  # more than the plot's width in pixels on a phone: thinning loses nothing
TICKS = 5
DOT_RADIUS = 3


@dataclass
class Curve:
    label: str
    points: list  # [[x, y], …], x ascending
    index: int = 1  # 1–5: which of the curve styles (colour + dash) it gets
    dots: bool = False  # draw each point as a dot (a few points, e.g. one per run)
    line: bool = True  # join the points (off for dots that are separate runs)


def thin(points: list, limit: int = MAX_POINTS) -> list:
    """At most `limit` points, evenly spaced, always keeping the first and the last."""
    if len(points) <= limit:
        return list(points)
    stride = (len(points) - 1) / (limit - 1)
    return [points[round(i * stride)] for i in range(limit)]


def nice_ticks(
    low: float, high: float, count: int = TICKS, *, integers: bool = False
) -> list[float]:
    """Round values from `low` to `high` for axis labels: steps of 1, 2, 2.5 or 5 × 10ⁿ
    (whole steps only when `integers`, e.g. epochs).

    In decimal arithmetic, so any two finite floats work: a range wider than the largest
    float (-9e307 to 9e307) or narrower than the smallest (0 to 5e-324) gets its ticks too.
    """
    if high <= low:
        return [low]
    with localcontext() as context:
        context.prec = 28
        lo, hi = Decimal(low), Decimal(high)  # exact
        raw = (hi - lo) / max(count - 1, 1)
        magnitude = Decimal(1).scaleb(raw.adjusted())  # 10 ** floor(log10(raw))
        # The first round step near the raw one: a little under is fine (a tick more, not fewer).
        steps = [m * magnitude for m in (1, 2, Decimal("2.5"), 5, 10)]
        if integers:
            steps = [
                max(Decimal(1), step) for step in steps if step >= 1 and step == step.to_integral()
            ] or [Decimal(1)]
        step = next((step for step in steps if step >= raw * Decimal("0.7")), steps[-1])
        value = (lo / step).to_integral(rounding=ROUND_CEILING) * step
        ticks: list[float] = []
        while value <= hi and len(ticks) <= 2 * count:
            ticks.append(float(value) + 0.0)  # the nearest float, never past low or high
            value += step
    return ticks or [low]


def _widened(low: float, high: float, *, room: float, flat_pad: float) -> tuple[float, float]:
    """An axis's range: `room` of the span either side, or `flat_pad` either side of a single
    value — never past the largest float, and never empty."""
    pad = high * room - low * room if high > low else flat_pad  # (high - low) * room overflows
    low, high = max(low - pad, -sys.float_info.max), min(high + pad, sys.float_info.max)
    if high <= low:  # ±1 vanished in rounding (1e300 + 1 == 1e300): a tenth of the value
        pad = abs(low) * 0.1
        low, high = max(low - pad, -sys.float_info.max), min(high + pad, sys.float_info.max)
    return low, high


def _fraction(low: float, high: float) -> Callable[[float], float]:
    """Where a value lies from `low` (0) to `high` (1). A span wider than the largest float
    (-9e307 to 9e307) is measured in halves, which never overflow."""
    span = high - low
    if span != float("inf"):
        return lambda value: (value - low) / span
    half = high / 2 - low / 2
    return lambda value: (value / 2 - low / 2) / half


def label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:.4g}"


def curves_chart(
    curves: list[Curve],
    *,
    title: str,
    id_prefix: str,
    x_label: str = "step",
    x_format: Callable[[float], str] = label,
) -> SafeString:
    """One SVG with every curve on shared axes, then a hidden table of their values."""
    curves = [curve for curve in curves if curve.points]
    xs = [point[0] for curve in curves for point in curve.points]
    ys = [point[1] for curve in curves for point in curve.points]
    if not xs:
        return format_html('<p class="muted small">No points to draw for {}.</p>', title)
    x_low, x_high = _widened(min(xs), max(xs), room=0.0, flat_pad=1.0)
    y_low, y_high = min(ys), max(ys)
    y_low, y_high = _widened(y_low, y_high, room=0.05, flat_pad=abs(y_low) * 0.1 or 1.0)
    x_at, y_at = _fraction(x_low, x_high), _fraction(y_low, y_high)

    def px(x: float) -> float:
        return PLOT_LEFT + x_at(x) * (PLOT_RIGHT - PLOT_LEFT)

    def py(y: float) -> float:
        return PLOT_BOTTOM - y_at(y) * (PLOT_BOTTOM - PLOT_TOP)

    parts: list[SafeString] = []
    for tick in nice_ticks(y_low, y_high):
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                coord(PLOT_LEFT),
                coord(py(tick)),
                coord(PLOT_RIGHT),
                coord(py(tick)),
                coord(PLOT_LEFT - 6),
                coord(py(tick) + 4),
                label(tick),
            )
        )
    whole_steps = all(float(x).is_integer() for x in xs)
    for tick in nice_ticks(x_low, x_high, integers=whole_steps):
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                coord(px(tick)),
                coord(PLOT_BOTTOM + 15),
                x_format(tick),
            )
        )
    parts.append(
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="chart-label axis-name" x="{}" y="{}" text-anchor="middle">{}</text>',
            coord(PLOT_LEFT),
            coord(PLOT_BOTTOM),
            coord(PLOT_RIGHT),
            coord(PLOT_BOTTOM),
            coord((PLOT_LEFT + PLOT_RIGHT) / 2),
            coord(HEIGHT - 6),
            x_label,
        )
    )
    for curve in curves:
        drawn = thin(curve.points)
        style = f"curve-{min(max(curve.index, 1), 5)}"
        if curve.line and len(drawn) > 1:
            parts.append(
                format_html(
                    '<polyline class="curve {}" points="{}"><title>{}</title></polyline>',
                    style,
                    " ".join(f"{coord(px(x))},{coord(py(y))}" for x, y in drawn),
                    curve.label,
                )
            )
        if curve.dots or len(drawn) == 1:
            for x, y in drawn:
                parts.append(
                    format_html(
                        '<circle class="curve-dot {}" cx="{}" cy="{}" r="{}">'
                        "<title>{}: {} at {} {}</title></circle>",
                        style,
                        coord(px(x)),
                        coord(py(y)),
                        DOT_RADIUS,
                        curve.label,
                        label(y),
                        x_label,
                        x_format(x),
                    )
                )

    svg = format_html(
        '<svg class="chart curves-chart" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        HEIGHT,
        id_prefix,
        id_prefix,
        id_prefix,
        title,
        id_prefix,
        describe(curves, title, x_label, x_format),
        join_svg(parts),
    )
    return format_html("{}{}", svg, _table(curves, title, x_label, x_format))


def describe(curves: list[Curve], title: str, x_label: str, x_format) -> str:
    """One sentence per curve: where it starts, ends, and its lowest point."""
    sentences = [f"{title}, {len(curves)} {'curve' if len(curves) == 1 else 'curves'}."]
    for curve in curves:
        first, last = curve.points[0], curve.points[-1]
        lowest = min(curve.points, key=lambda point: point[1])
        sentences.append(
            f"{curve.label}: {label(first[1])} at {x_label} {x_format(first[0])} to "
            f"{label(last[1])} at {x_label} {x_format(last[0])}, lowest {label(lowest[1])}."
        )
    return " ".join(sentences)


def _table(curves: list[Curve], title: str, x_label: str, x_format) -> SafeString:
    rows = [
        format_html(
            '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td>'
            '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>',
            curve.label,
            len(curve.points),
            f"{label(curve.points[0][1])} ({x_label} {x_format(curve.points[0][0])})",
            f"{label(curve.points[-1][1])} ({x_label} {x_format(curve.points[-1][0])})",
            label(min(point[1] for point in curve.points)),
            label(max(point[1] for point in curve.points)),
        )
        for curve in curves
    ]
    return format_html(
        # The wrapper clips the table: a table is never narrower than its cells, so one that
        # is itself visually hidden would still widen the page on a phone.
        '<div class="visually-hidden"><table><caption>{}</caption><thead><tr>'
        '<th scope="col">Run</th><th scope="col">Points</th><th scope="col">First</th>'
        '<th scope="col">Last</th><th scope="col">Lowest</th><th scope="col">Highest</th>'
        "</tr></thead><tbody>{}</tbody></table></div>",
        title,
        join_svg(rows),
    )
