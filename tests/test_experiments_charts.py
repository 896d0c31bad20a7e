"""Metric curves as inline SVG: geometry only, a text alternative, thinned when long."""

from __future__ import annotations

import math
import re

import pytest

from learners.experiments.charts import MAX_POINTS, Curve, curves_chart, nice_ticks, thin


def chart(curves, **kwargs) -> str:
    return str(curves_chart(curves, title="val_ppl by step", id_prefix="c", **kwargs))


def test_each_curve_is_a_polyline_with_its_own_style_class():
    svg = chart(
        [Curve("A", [[1, 200], [2, 150]], index=1), Curve("B", [[1, 190], [2, 120]], index=2)]
    )
    assert svg.count('<polyline class="curve curve-1"') == 1
    assert svg.count('<polyline class="curve curve-2"') == 1
    assert 'viewBox="0 0 480 236"' in svg and 'width="100%"' in svg


def test_the_chart_carries_no_style_attributes_or_scripts():
    svg = chart([Curve("A", [[i, 100 - i] for i in range(50)])])
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg


def test_the_chart_has_a_text_alternative():
    svg = chart([Curve("A", [[1, 200.0], [2, 150.0], [3, 160.0]])])
    assert 'role="img" aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">val_ppl by step</title>' in svg
    assert "A: 200 at step 1 to 160 at step 3, lowest 150." in svg
    table = svg.split('<div class="visually-hidden"><table>')[1]
    assert "<caption>val_ppl by step</caption>" in table
    assert '<th scope="row">A</th><td class="num">3</td>' in table


def test_long_curves_are_thinned_for_drawing_but_keep_both_ends():
    points = [[i, float(i)] for i in range(10_000)]
    thinned = thin(points)
    assert len(thinned) == MAX_POINTS
    assert thinned[0] == [0, 0.0] and thinned[-1] == [9999, 9999.0]
    svg = chart([Curve("long", points)])
    drawn = re.search(r'points="([^"]*)"', svg)[1].split()
    assert len(drawn) == MAX_POINTS
    assert '<td class="num">10000</td>' in svg  # the table counts every point


def test_dots_are_drawn_for_runs_and_a_single_point():
    svg = chart(
        [Curve("each run", [[0, 3], [1, 2]], dots=True, line=False), Curve("one", [[5, 1]])]
    )
    assert svg.count("<circle") == 3
    assert "<polyline" not in svg


def test_labels_are_escaped():
    svg = chart([Curve('<img src=x onerror="alert(1)">', [[1, 2], [2, 3]])])
    assert "<img" not in svg and "&lt;img" in svg


def test_flat_and_empty_curves_do_not_break():
    assert "<svg" in chart([Curve("flat", [[1, 5.0], [2, 5.0]])])
    assert "No points to draw" in chart([Curve("empty", [])])


def test_ticks_are_round_numbers():
    assert nice_ticks(95, 310) == [100, 150, 200, 250, 300]
    assert nice_ticks(1, 12, integers=True) == [2, 4, 6, 8, 10, 12]
    assert nice_ticks(3, 3) == [3]


# --- any finite value is drawn ----------------------------------------------------------------

BIG = 1.7976931348623157e308  # the largest float
TINY = 5e-324  # the smallest subnormal
EXTREMES = {
    "±max float": [[1, -BIG], [2, BIG]],
    "near ±max": [[1, -9e307], [2, 9e307]],
    "max twice": [[1, BIG], [2, BIG]],
    "-max twice": [[1, -BIG], [2, -BIG]],
    "one subnormal": [[1, 0], [2, TINY]],
    "subnormal step": [[0, 1], [TINY, 2]],
    "negative subnormals": [[1, -TINY], [2, TINY]],
    "equal values": [[1, 5], [2, 5], [3, 5]],
    "one point": [[7, 0.25]],
    "one point at max": [[BIG, BIG]],
    "huge steps": [[0, 1], [BIG, 2]],
    "steps across all floats": [[-BIG, 1], [BIG, 2]],
    "tiny steps": [[1, 1], [1 + 2.2e-16, 2]],
    "tiny values": [[1, 1e-300], [2, 3e-300]],
    "huge integers as steps": [[1, 1], [10**18, 2]],
}
NUMBER = re.compile(r' (?:x|y|x1|y1|x2|y2|cx|cy)="([^"]*)"| points="([^"]*)"')


@pytest.mark.parametrize("points", EXTREMES.values(), ids=EXTREMES.keys())
def test_any_finite_values_are_drawn_inside_the_plot(points):
    svg = chart([Curve("A", points), Curve("B", points[:1], index=2)])
    coordinates = []
    for single, pairs in NUMBER.findall(svg):
        for text in [single] if single else re.split(r"[ ,]", pairs):
            coordinates.append(float(text))
    assert coordinates
    assert all(math.isfinite(value) and -1 <= value <= 480 for value in coordinates), svg


@pytest.mark.parametrize("points", EXTREMES.values(), ids=EXTREMES.keys())
def test_ticks_for_any_finite_range_are_finite_and_inside_it(points):
    values = [y for _, y in points]
    low, high = min(values), max(values)
    ticks = nice_ticks(low, high)
    assert ticks and all(math.isfinite(tick) for tick in ticks)
    assert all(low <= tick <= high for tick in ticks) or ticks == [low]
    assert len(ticks) <= 12
