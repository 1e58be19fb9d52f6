"""Shared pieces of the SVG charts: escaping, scales, ticks, number formats, the frame.

Charts are drawn server-side so the dashboard needs no JavaScript library and no CDN. Every data mark
carries the class ``data`` (the browser test counts them) and a ``<title>`` for a hover tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563"]
AXIS = "#94a3b8"
GRID = "#e2e8f0"
TEXT = "#334155"
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\""

Formatter = Callable[[float], str]


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def fmt_number(value: float) -> str:
    """Compact human number: 0.734, 12.5, 1,234, 1.2M."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if magnitude >= 10_000:
        return f"{value / 1000:.0f}k"
    if magnitude >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.1f}"
    return f"{value:.3f}".rstrip("0").rstrip(".") if value else "0"


def fmt_percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (Heckbert's "nice numbers")."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count - 1, 1)
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10**exponent
    step = (1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10) * 10**exponent
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    return [round(start + i * step, 10) for i in range(round((end - start) / step) + 1)]


@dataclass(frozen=True)
class Linear:
    """Map a domain interval onto a pixel interval."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        span = self.d1 - self.d0 or 1.0
        return self.r0 + (value - self.d0) / span * (self.r1 - self.r0)


def short_date(iso: str) -> str:
    """'2026-11-09' -> 'Nov 9' for axis labels."""
    try:
        from datetime import date

        return date.fromisoformat(iso).strftime("%b %-d")
    except ValueError:
        return iso


@dataclass(frozen=True)
class Frame:
    width: int = 640
    height: int = 260
    left: int = 52
    right: int = 16
    top: int = 16
    bottom: int = 44

    @classmethod
    def wide(cls) -> Frame:
        """For charts spanning a whole row: same font size on screen as the half-width ones."""
        return cls(width=1240, height=300)

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y0(self) -> float:
        return self.height - self.bottom

    @property
    def y1(self) -> float:
        return self.top


def svg(
    kind: str, title: str, frame: Frame, body: Sequence[str], *, empty: bool = False, max_width: int | None = None
) -> SafeString:
    """Wrap chart elements in a responsive SVG element (never wider than `max_width` pixels if given).

    The width cap travels as `data-max-width` and static/dashboard/charts.js applies it: an inline `style`
    attribute would need the CSP to allow inline styles.
    """
    style = f' data-max-width="{int(max_width)}"' if max_width else ""
    attrs = (
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'class="chart chart-{esc(kind)}" role="img" aria-label="{esc(title)}" data-chart="{esc(kind)}" '
        f'data-empty="{"true" if empty else "false"}" preserveAspectRatio="xMidYMid meet" {FONT}{style}'
    )
    return mark_safe(f"<svg {attrs}><title>{esc(title)}</title>{''.join(body)}</svg>")


def empty_chart(kind: str, title: str, message: str = "No data yet", frame: Frame | None = None) -> SafeString:
    frame = frame or Frame(height=120)
    body = [
        f'<rect x="0.5" y="0.5" width="{frame.width - 1}" height="{frame.height - 1}" rx="6" fill="#f8fafc" '
        f'stroke="{GRID}"/>',
        f'<text x="{frame.width / 2}" y="{frame.height / 2}" text-anchor="middle" dominant-baseline="middle" '
        f'fill="{AXIS}" font-size="14">{esc(message)}</text>',
    ]
    return svg(kind, title, frame, body, empty=True)


def y_axis(frame: Frame, scale: Linear, ticks: Sequence[float], fmt: Formatter, label: str = "") -> list[str]:
    out = []
    for tick in ticks:
        y = scale(tick)
        out.append(f'<line x1="{frame.x0}" x2="{frame.x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{frame.x0 - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="11" fill="{TEXT}">{esc(fmt(tick))}</text>'
        )
    if label:
        cy = (frame.y0 + frame.y1) / 2
        out.append(
            f'<text x="12" y="{cy:.1f}" transform="rotate(-90 12 {cy:.1f})" text-anchor="middle" font-size="11" '
            f'fill="{TEXT}">{esc(label)}</text>'
        )
    return out


def x_labels(frame: Frame, positions: Sequence[float], labels: Sequence[str], max_labels: int = 10) -> list[str]:
    """Category labels under the x axis, thinned so they never overlap."""
    step = max(1, math.ceil(len(labels) / max_labels))
    out = [f'<line x1="{frame.x0}" x2="{frame.x1}" y1="{frame.y0}" y2="{frame.y0}" stroke="{AXIS}"/>']
    last = len(labels) - 1
    for index, (x, label) in enumerate(zip(positions, labels, strict=True)):
        if (last - index) % step:
            continue
        text = str(label)
        if len(text) > 14:
            text = text[:13] + "…"
        out.append(
            f'<text x="{x:.1f}" y="{frame.y0 + 16}" text-anchor="middle" font-size="11" fill="{TEXT}">'
            f"{esc(text)}</text>"
        )
    return out


def threshold_line(frame: Frame, scale: Linear, value: float, label: str) -> list[str]:
    y = scale(value)
    return [
        f'<line class="threshold" x1="{frame.x0}" x2="{frame.x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dc2626" '
        f'stroke-width="1.5" stroke-dasharray="6 4"/>',
        f'<text x="{frame.x1 - 4}" y="{y - 5:.1f}" text-anchor="end" font-size="11" fill="#dc2626">{esc(label)}</text>',
    ]


def legend(frame: Frame, names: Sequence[str], colors: Sequence[str]) -> list[str]:
    out = []
    x = frame.x0
    y = frame.height - 10
    for name, color in zip(names, colors, strict=True):
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" rx="2" fill="{color}"/>')
        out.append(f'<text x="{x + 14}" y="{y}" font-size="11" fill="{TEXT}">{esc(name)}</text>')
        x += 24 + 7 * len(str(name))
    return out
