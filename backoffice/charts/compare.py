"""Paired bars: a reference distribution beside a serving one, per category or per bin (the validation page)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString

from backoffice.charts.base import (
    PALETTE,
    Frame,
    Linear,
    empty_chart,
    esc,
    fmt_percent,
    legend,
    nice_ticks,
    svg,
    x_labels,
    y_axis,
)


def paired_bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    reference: Sequence[float],
    serving: Sequence[float],
    names: tuple[str, str] = ("reference", "serving"),
    frame: Frame | None = None,
) -> SafeString:
    """Two bars per label (shares in [0, 1]); hover shows both shares."""
    frame = frame or Frame(height=220)
    if not labels or not (any(reference) or any(serving)):
        return empty_chart("paired", title)
    high = max(max(reference, default=0), max(serving, default=0))
    ticks = nice_ticks(0.0, high)
    ys = Linear(0.0, max(ticks[-1], high), frame.y0, frame.y1)
    slot = (frame.x1 - frame.x0) / len(labels)
    width = max(1.0, min(22.0, slot * 0.38))
    centers = [frame.x0 + slot * (i + 0.5) for i in range(len(labels))]
    body = y_axis(frame, ys, ticks, fmt_percent, "share")
    body += x_labels(frame, centers, [str(label) for label in labels], max_labels=10)
    colors = (PALETTE[8], PALETTE[0])
    for i, label in enumerate(labels):
        for side, (values, color, name) in enumerate(zip((reference, serving), colors, names, strict=True)):
            value = values[i]
            top = ys(value)
            x = centers[i] - width + side * width
            tip = f"{label} — {name}: {fmt_percent(value)}"
            body.append(
                f'<rect class="data bar {esc(name)}" x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                f'height="{max(ys(0.0) - top, 0.5):.1f}" rx="2" fill="{color}"><title>{esc(tip)}</title></rect>'
            )
    body += legend(frame, list(names), list(colors))
    return svg("paired", title, frame, body)
