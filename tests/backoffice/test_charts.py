"""The SVG chart module: valid XML, one data mark per value, bands, thresholds, escaping, empty states."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from backoffice.charts import (
    Series,
    bar_chart,
    confusion_heatmap,
    heatmap,
    line_chart,
    stacked_bar_chart,
)
from backoffice.charts.base import nice_ticks
from backoffice.charts.heatmap import color_for

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def marks(root: ET.Element, tag: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{{{NS['svg']}}}{tag}") if "data" in (e.get("class") or "").split()]


def test_line_chart_draws_series_points_and_ci_band():
    svg = line_chart(
        title="alpha",
        x=["d1", "d2", "d3", "d4"],
        series=[Series(name="alpha", values=[0.5, 0.6, 0.7, 0.65], band=[(0.4, 0.6), (0.5, 0.7), None, (0.6, 0.7)])],
        threshold=(0.667, "tentative"),
    )
    root = parse(svg)
    assert root.get("data-empty") == "false"
    assert len(marks(root, "circle")) == 4
    assert len(marks(root, "polyline")) == 1
    band = marks(root, "polygon")
    assert len(band) == 1 and len(band[0].get("points").split()) == 6  # 3 known intervals, upper + lower
    assert any("threshold" in (e.get("class") or "") for e in root.iter(f"{{{NS['svg']}}}line"))


def test_line_chart_breaks_at_missing_values():
    root = parse(line_chart(title="t", x=list("abcde"), series=[Series(name="s", values=[1, 2, None, 3, 4])]))
    assert len(marks(root, "polyline")) == 2
    assert len(marks(root, "circle")) == 4


def test_higher_values_are_drawn_higher():
    root = parse(line_chart(title="t", x=["a", "b"], series=[Series(name="s", values=[1.0, 5.0])]))
    low, high = marks(root, "circle")
    assert float(high.get("cy")) < float(low.get("cy"))


def test_bar_chart_bars_whiskers_and_tooltips():
    svg = bar_chart(
        title="per version",
        labels=["v1", "v2", "v3"],
        values=[0.4, None, 0.7],
        errors=[(0.3, 0.5), None, (0.6, 0.8)],
        notes=["100 labels", "", "50 labels"],
        threshold=(0.8, "reliable"),
    )
    root = parse(svg)
    bars = marks(root, "rect")
    assert len(bars) == 2
    assert float(bars[1].get("height")) > float(bars[0].get("height"))
    tooltips = [t.text for b in bars for t in b.iter(f"{{{NS['svg']}}}title")]
    assert tooltips[0] == "v1: 0.4 [0.3, 0.5] — 100 labels"
    assert len([e for e in root.iter(f"{{{NS['svg']}}}path") if e.get("class") == "whisker"]) == 2


def test_bar_chart_negative_values_hang_below_zero():
    root = parse(bar_chart(title="t", labels=["a", "b"], values=[-0.2, 0.5]))
    negative, positive = marks(root, "rect")
    # The negative bar starts at the zero line, where the positive one ends.
    zero = float(positive.get("y")) + float(positive.get("height"))
    assert float(negative.get("y")) == pytest.approx(zero, abs=0.2)


def test_stacked_bars_split_each_total():
    root = parse(
        stacked_bar_chart(title="t", labels=["d1", "d2"], series=[("ui", [3, 0]), ("api", [1, 4])], y_label="n")
    )
    rects = marks(root, "rect")
    assert len(rects) == 3  # zero parts are not drawn
    d1 = [r for r in rects if r.find("svg:title", NS).text.startswith("d1")]
    assert float(d1[0].get("height")) == pytest.approx(3 * float(d1[1].get("height")), rel=0.01)


def test_heatmap_cells_colours_and_missing():
    root = parse(
        heatmap(title="pairs", rows=["a", "b"], cols=["a", "b"], values=[[1.0, None], [0.2, 1.0]], low=0, high=1)
    )
    cells = marks(root, "rect")
    assert len(cells) == 3
    assert cells[0].get("fill") == color_for(1.0, 0, 1) == "#1d4ed8"
    assert color_for(0.0, 0, 1) == "#f1f5f9"


def test_confusion_heatmap_normalises_rows_and_keeps_counts():
    root = parse(confusion_heatmap(title="c", labels=["yes", "no"], counts=[[8, 2], [1, 9]]))
    tips = [c.find("svg:title", NS).text for c in marks(root, "rect")]
    assert tips[0] == "yes × yes: 80% (n=8)"
    assert tips[3] == "no × no: 90% (n=9)"


def test_empty_charts_say_so_without_data_marks():
    for svg in (
        line_chart(title="t", x=[], series=[]),
        bar_chart(title="t", labels=["a"], values=[None]),
        stacked_bar_chart(title="t", labels=["a"], series=[("x", [0])]),
        heatmap(title="t", rows=[], cols=[], values=[]),
    ):
        root = parse(svg)
        assert root.get("data-empty") == "true"
        assert not [e for e in root.iter() if "data" in (e.get("class") or "").split()]


def test_labels_are_escaped():
    svg = bar_chart(title='<script>alert("x")</script>', labels=["<b>&"], values=[1])
    assert "<script>" not in svg and "&lt;b&gt;&amp;" in svg
    parse(svg)


@pytest.mark.parametrize(("low", "high"), [(0, 1), (-0.23, 0.71), (3, 1234), (5, 5)])
def test_nice_ticks_cover_the_range(low, high):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
