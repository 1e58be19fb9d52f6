"""Bar charts: plain (with optional error bars and a threshold line) and stacked."""

from __future__ import annotations

from collections.abc import Sequence

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


def _slots(frame: Frame, count: int) -> tuple[list[float], float]:
    slot = (frame.x1 - frame.x0) / count
    width = max(1.0, min(48.0, slot * 0.7))
    return [frame.x0 + slot * (i + 0.5) for i in range(count)], width


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    errors: Sequence[tuple[float, float] | None] | None = None,
    y_format: Formatter = fmt_number,
    y_label: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    threshold: tuple[float, str] | None = None,
    colors: Sequence[str] | None = None,
    notes: Sequence[str] | None = None,
    frame: Frame | None = None,
) -> SafeString:
    """One bar per label. `errors` draws whiskers (e.g. a CI); `notes` adds text to a bar's tooltip."""
    frame = frame or Frame()
    present = [v for v in values if v is not None]
    if not labels or not present:
        return empty_chart("bar", title)
    edges = present + [edge for pair in (errors or []) if pair is not None for edge in pair]
    if threshold:
        edges.append(threshold[0])
    low = min(0.0, min(edges)) if y_min is None else y_min
    high = max(edges) if y_max is None else y_max
    ticks = nice_ticks(low, high)
    ys = Linear(min(ticks[0], low), max(ticks[-1], high), frame.y0, frame.y1)
    centers, width = _slots(frame, len(labels))
    body = y_axis(frame, ys, ticks, y_format, y_label)
    body += x_labels(frame, centers, [str(label) for label in labels], max_labels=12)
    base = ys(max(ys.d0, 0.0))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        if value is None:
            continue
        top = ys(value)
        y, h = (top, base - top) if top <= base else (base, top - base)
        color = (colors[i] if colors else None) or PALETTE[0]
        tip = f"{label}: {y_format(value)}"
        if errors and errors[i] is not None:
            tip += f" [{y_format(errors[i][0])}, {y_format(errors[i][1])}]"
        if notes and notes[i]:
            tip += f" — {notes[i]}"
        body.append(
            f'<rect class="data bar" x="{centers[i] - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{max(h, 0.5):.1f}" rx="2" fill="{color}"><title>{esc(tip)}</title></rect>'
        )
        if errors and errors[i] is not None:
            lo, hi = ys(errors[i][0]), ys(errors[i][1])
            cx = centers[i]
            body.append(
                f'<path class="whisker" d="M{cx:.1f},{lo:.1f}V{hi:.1f}M{cx - 5:.1f},{lo:.1f}H{cx + 5:.1f}'
                f'M{cx - 5:.1f},{hi:.1f}H{cx + 5:.1f}" stroke="#0f172a" stroke-width="1.5" fill="none"/>'
            )
    if threshold:
        body += threshold_line(frame, ys, *threshold)
    return svg("bar", title, frame, body)


def stacked_bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    y_format: Formatter = fmt_number,
    y_label: str = "",
    frame: Frame | None = None,
) -> SafeString:
    """Bars split into named parts (e.g. labels per day by source)."""
    frame = frame or Frame()
    totals = [sum(part[i] or 0 for _, part in series) for i in range(len(labels))]
    if not labels or not series or not any(totals):
        return empty_chart("stacked", title)
    ticks = nice_ticks(0, max(totals))
    ys = Linear(0, max(ticks[-1], max(totals)), frame.y0, frame.y1)
    centers, width = _slots(frame, len(labels))
    body = y_axis(frame, ys, ticks, y_format, y_label)
    body += x_labels(frame, centers, [str(label) for label in labels], max_labels=12)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    for i, label in enumerate(labels):
        running = 0.0
        for (name, part), color in zip(series, colors, strict=True):
            value = part[i] or 0
            if value <= 0:
                continue
            y_top, y_bottom = ys(running + value), ys(running)
            body.append(
                f'<rect class="data bar" x="{centers[i] - width / 2:.1f}" y="{y_top:.1f}" width="{width:.1f}" '
                f'height="{max(y_bottom - y_top, 0.5):.1f}" fill="{color}">'
                f"<title>{esc(label)} · {esc(name)}: {esc(y_format(value))}</title></rect>"
            )
            running += value
    body += legend(frame, [name for name, _ in series], colors)
    return svg("stacked", title, frame, body)
