"""Template helpers for the rater UI: money, percentages, instructions markup."""

from __future__ import annotations

from django import template

from raters.markup import render_markdown

register = template.Library()


@register.filter
def cents(value) -> str:
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""
    value = abs(int(value))
    return f"{sign}${value // 100:,}.{value % 100:02d}"


@register.filter
def percent(value) -> str:
    return "–" if value is None else f"{value:.0%}"


@register.filter
def amount(value) -> str:
    """Cents as currency units with two decimals and no symbol (the currency is written beside it)."""
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""
    value = abs(int(value))
    return f"{sign}{value // 100:,}.{value % 100:02d}"


@register.filter
def seconds(value) -> str:
    return "–" if value is None else f"{value:.1f} s"


@register.filter
def markdown(value: str):
    return render_markdown(value)


@register.filter
def join_if_list(value):
    """A multi-label suggestion as "a, b"; any other label as itself."""
    return ", ".join(str(v) for v in value) if isinstance(value, list) else value
