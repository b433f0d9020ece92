"""The consumption chart is inline SVG drawn on the server."""

from __future__ import annotations

import re

from kuwwa.collection.inquiry import ConsumptionPoint
from kuwwa.portal.chart import consumption_svg, cycle_short


def points(n: int) -> list[ConsumptionPoint]:
    return [ConsumptionPoint(f"2025-{m:02d}", 100 * (m + 1), m % 4 == 0) for m in range(1, n + 1)]


def bar_xs(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'<rect x="([\d.]+)"', svg)]


def test_one_bar_per_cycle_at_most_twelve() -> None:
    svg = consumption_svg(points(12) + points(2), lang="en", title="t", unit="kWh")
    assert len(bar_xs(svg)) == 12 and svg.startswith('<svg class="chart"')
    assert "http" not in svg and "<script" not in svg


def test_english_runs_left_to_right_and_arabic_right_to_left() -> None:
    en = bar_xs(consumption_svg(points(6), lang="en", title="t", unit="kWh"))
    ar = bar_xs(consumption_svg(points(6), lang="ar", title="t", unit="ك.و.س"))
    assert en == sorted(en) and ar == sorted(ar, reverse=True)


def test_estimated_cycles_are_striped_and_values_are_titled() -> None:
    svg = consumption_svg(points(4), lang="ar", title="t", unit="kWh")
    assert svg.count('fill="url(#est)"') == 1
    assert "<title>٠٤/٢٥: ٥٠٠ kWh</title>" in svg


def test_labels_are_escaped_and_empty_is_empty() -> None:
    svg = consumption_svg(points(1), lang="en", title='"><script>', unit="<b>")
    assert "<script>" not in svg and "&lt;b&gt;" in svg
    assert consumption_svg([], lang="en", title="t", unit="kWh") == ""
    assert cycle_short("2026-06", "ar") == "٠٦/٢٦"
