"""Heatmaps: a generic matrix (rater-pair agreement) and a confusion matrix with counts."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString

from backoffice.charts.base import AXIS, TEXT, Formatter, Frame, empty_chart, esc, fmt_number, svg

LOW = (241, 245, 249)
HIGH = (29, 78, 216)


def color_for(value: float, low: float, high: float) -> str:
    """Sequential slate-to-blue colour for value within [low, high]."""
    share = 0.0 if high <= low else min(1.0, max(0.0, (value - low) / (high - low)))
    r, g, b = (round(a + (z - a) * share) for a, z in zip(LOW, HIGH, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _text_color(value: float, low: float, high: float) -> str:
    share = 0.0 if high <= low else (value - low) / (high - low)
    return "#ffffff" if share > 0.55 else TEXT


def heatmap(
    *,
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float | None]],
    low: float | None = None,
    high: float | None = None,
    fmt: Formatter = fmt_number,
    annotate: bool | None = None,
    counts: Sequence[Sequence[int | None]] | None = None,
    row_title: str = "",
    col_title: str = "",
    kind: str = "heatmap",
    max_cell: int = 44,
) -> SafeString:
    """Cells coloured by value; `counts` (same shape) go into the tooltip, e.g. how many pairs."""
    present = [v for row in values for v in row if v is not None]
    if not rows or not cols or not present:
        return empty_chart(kind, title)
    low = min(present) if low is None else low
    high = max(present) if high is None else high
    label_width = min(150, 12 + 7 * max(len(str(r)) for r in rows))
    cell = max(10, min(max_cell, int(560 / max(len(cols), len(rows)))))
    annotate = cell >= 28 if annotate is None else annotate
    longest = max(len(str(c)) for c in cols)
    # Column labels run horizontally only when they fit their cell; otherwise they are slanted.
    upright = longest * 6.5 <= cell
    top = 28 + (18 if upright else int(min(110, 6 * min(longest, 16)) * 0.87))
    width = label_width + cell * len(cols) + (16 if upright else 3 * min(longest, 16) + 8)
    height = top + cell * len(rows) + 30
    frame = Frame(width=max(width, 200), height=height, left=label_width, top=top, bottom=30)
    body = []
    if col_title:
        body.append(
            f'<text x="{label_width + cell * len(cols) / 2:.1f}" y="12" text-anchor="middle" font-size="11" '
            f'fill="{AXIS}">{esc(col_title)}</text>'
        )
    if row_title:
        body.append(f'<text x="4" y="{height - 8}" font-size="11" fill="{AXIS}">{esc(row_title)} ↓</text>')
    for j, col in enumerate(cols):
        x = label_width + cell * (j + 0.5)
        text = str(col) if len(str(col)) <= 16 else str(col)[:15] + "…"
        if upright:
            body.append(
                f'<text x="{x:.1f}" y="{top - 6}" text-anchor="middle" font-size="11" fill="{TEXT}">{esc(text)}</text>'
            )
        else:
            body.append(
                f'<text x="{x:.1f}" y="{top - 4}" transform="rotate(-60 {x:.1f} {top - 4})" font-size="10" '
                f'fill="{TEXT}">{esc(text)}</text>'
            )
    for i, row in enumerate(rows):
        y = top + cell * i
        text = str(row) if len(str(row)) <= 20 else str(row)[:19] + "…"
        body.append(
            f'<text x="{label_width - 6}" y="{y + cell / 2:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="{11 if cell >= 16 else 9}" fill="{TEXT}">{esc(text)}</text>'
        )
        for j, col in enumerate(cols):
            value = values[i][j]
            x = label_width + cell * j
            if value is None:
                body.append(
                    f'<rect x="{x + 0.5}" y="{y + 0.5}" width="{cell - 1}" height="{cell - 1}" fill="#ffffff" '
                    f'stroke="#f1f5f9"/>'
                )
                continue
            tip = f"{row} × {col}: {fmt(value)}"
            if counts is not None and counts[i][j] is not None:
                tip += f" (n={counts[i][j]:,})"
            body.append(
                f'<rect class="data cell" x="{x + 0.5}" y="{y + 0.5}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{color_for(value, low, high)}"><title>{esc(tip)}</title></rect>'
            )
            if annotate:
                body.append(
                    f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2:.1f}" text-anchor="middle" '
                    f'dominant-baseline="middle" font-size="11" fill="{_text_color(value, low, high)}" '
                    f'pointer-events="none">{esc(fmt(value))}</text>'
                )
    return svg(kind, title, frame, body, max_width=int(frame.width * 1.25))


def confusion_heatmap(*, title: str, labels: Sequence[str], counts: Sequence[Sequence[int]]) -> SafeString:
    """Rows: what raters said; columns: the consensus. Coloured by row share, annotated with counts."""
    shares: list[list[float | None]] = []
    for row in counts:
        total = sum(row)
        shares.append([(c / total) if total else None for c in row])
    return heatmap(
        title=title,
        rows=labels,
        cols=labels,
        values=shares,
        low=0.0,
        high=1.0,
        fmt=lambda v: f"{v * 100:.0f}%",
        counts=counts,
        row_title="rater label",
        col_title="consensus label →",
        kind="confusion",
        max_cell=64,
    )
