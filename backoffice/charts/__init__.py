"""Server-side SVG charts for the staff dashboard (no JavaScript, no CDN)."""

from backoffice.charts.bars import bar_chart, stacked_bar_chart
from backoffice.charts.base import Frame, empty_chart, fmt_number, fmt_percent, short_date
from backoffice.charts.compare import paired_bar_chart
from backoffice.charts.heatmap import confusion_heatmap, heatmap
from backoffice.charts.line import Series, line_chart

__all__ = [
    "Frame",
    "short_date",
    "Series",
    "bar_chart",
    "confusion_heatmap",
    "empty_chart",
    "fmt_number",
    "fmt_percent",
    "heatmap",
    "line_chart",
    "paired_bar_chart",
    "stacked_bar_chart",
]
