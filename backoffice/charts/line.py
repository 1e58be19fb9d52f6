"""Line chart over categorical x positions (dates), with an optional confidence band per series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from backoffice.charts.base import (
    PALETTE,
    Formatter,
    Frame,
    Linear,
    empty_chart,
    esc,
    fmt_number,
    legend,
    nice_ticks,
    svg,
    threshold_line,
    x_labels,
    y_axis,
)


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    # (low, high) per point, e.g. a bootstrap confidence interval; None where unknown.
    band: Sequence[tuple[float, float] | None] | None = None
    color: str | None = None
    extra: dict = field(default_factory=dict)


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Split a polyline where values are missing, so gaps stay gaps."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def line_chart(
    *,
    title: str,
    x: Sequence[str],
    series: Sequence[Series],
    y_format: Formatter = fmt_number,
    y_label: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    threshold: tuple[float, str] | None = None,
    frame: Frame | None = None,
) -> SafeString:
    frame = frame or Frame()
    values = [v for s in series for v in s.values if v is not None]
    values += [edge for s in series for pair in (s.band or []) if pair is not None for edge in pair]
    if threshold:
        values.append(threshold[0])
    if not x or not values:
        return empty_chart("line", title)
    low = min(values) if y_min is None else y_min
    high = max(values) if y_max is None else y_max
    ticks = nice_ticks(low, high)
    ys = Linear(min(ticks[0], low), max(ticks[-1], high), frame.y0, frame.y1)
    if len(x) == 1:
        positions = [(frame.x0 + frame.x1) / 2]
    else:
        xs = Linear(0, len(x) - 1, frame.x0 + 8, frame.x1 - 8)
        positions = [xs(i) for i in range(len(x))]

    body = y_axis(frame, ys, ticks, y_format, y_label)
    body += x_labels(frame, positions, list(x))
    if threshold:
        body += threshold_line(frame, ys, *threshold)
    colors = [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    for s, color in zip(series, colors, strict=True):
        if s.band:
            band_points = [
                (positions[i], ys(pair[0]), ys(pair[1])) for i, pair in enumerate(s.band) if pair is not None
            ]
            if band_points:
                upper = " ".join(f"{px:.1f},{hi:.1f}" for px, _, hi in band_points)
                lower = " ".join(f"{px:.1f},{lo:.1f}" for px, lo, _ in reversed(band_points))
                if len(band_points) == 1:
                    px, lo, hi = band_points[0]
                    body.append(
                        f'<line class="data band" x1="{px:.1f}" x2="{px:.1f}" y1="{lo:.1f}" y2="{hi:.1f}" '
                        f'stroke="{color}" stroke-opacity="0.35" stroke-width="8"/>'
                    )
                else:
                    body.append(
                        f'<polygon class="data band" points="{upper} {lower}" fill="{color}" fill-opacity="0.15" '
                        f'stroke="none"><title>{esc(s.name)}: confidence interval</title></polygon>'
                    )
        points = [(positions[i], ys(value)) if value is not None else None for i, value in enumerate(s.values)]
        for run in _segments(points):
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
            body.append(
                f'<polyline class="data series" points="{path}" fill="none" stroke="{color}" stroke-width="2" '
                f'stroke-linejoin="round"/>'
            )
        if len(x) <= 60:
            for i, point in enumerate(points):
                if point is None:
                    continue
                tip = f"{x[i]}: {y_format(s.values[i])}"
                if s.band and s.band[i] is not None:
                    tip += f" [{y_format(s.band[i][0])}, {y_format(s.band[i][1])}]"
                body.append(
                    f'<circle class="data point" cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{color}">'
                    f"<title>{esc(s.name)} {esc(tip)}</title></circle>"
                )
    if len(series) > 1:
        body += legend(frame, [s.name for s in series], colors)
    return svg("line", title, frame, body)
