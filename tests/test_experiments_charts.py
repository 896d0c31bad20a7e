"""Metric curves as inline SVG: geometry only, a text alternative, thinned when long."""

from __future__ import annotations

import re

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
