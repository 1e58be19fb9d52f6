"""Assemble the pay page: effective pay per hour (raters.selectors.pay, the one definition), its spread
against the project's floor, and the pay periods with their statements' totals."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from backoffice.charts import Frame, bar_chart
from labeling.models import Project
from raters.selectors.pay import project_pay
from raters.selectors.payouts import amount_text

BELOW, ABOVE = "#dc2626", "#2563eb"


def _bins(rates: list[Decimal], floor: Decimal | None) -> tuple[list[str], list[int], list[str]]:
    """Histogram bins of whole currency units (at most 16 bins, widened to fit), coloured below the floor."""
    if not rates:
        return [], [], []
    top = float(max(rates))
    width = 1
    while top / width >= 16:
        width *= 2
    count = int(top // width) + 1
    counts = [0] * count
    for rate in rates:
        counts[min(count - 1, int(float(rate) // width))] += 1
    labels = [f"{i * width}–{(i + 1) * width}" for i in range(count)]
    colors = [BELOW if floor is not None and (i + 1) * width <= floor else ABOVE for i in range(count)]
    return labels, counts, colors


def pay_page(*, project: Project) -> dict:
    pay = project_pay(project=project)
    rates = sorted(r.hourly for r in pay.raters if r.hourly is not None)
    labels, counts, colors = _bins(rates, pay.floor)
    floor_line = (float(pay.floor), f"floor {pay.floor} {pay.currency}/h") if pay.floor is not None else None
    ranked = sorted((r for r in pay.raters if r.hourly is not None), key=lambda r: r.hourly)
    charts = {
        "histogram": bar_chart(
            title=f"Raters by effective pay per hour ({pay.currency}); red bins are below the floor",
            labels=labels,
            values=counts,
            colors=colors,
            y_label="raters",
            frame=Frame.wide(),
        ),
        "raters": bar_chart(
            title=f"Effective pay per hour of each rater ({pay.currency}) against the floor",
            labels=[r.name for r in ranked],
            values=[float(r.hourly) for r in ranked],
            colors=[BELOW if pay.floor is not None and r.hourly < pay.floor else ABOVE for r in ranked],
            notes=[f"{r.tasks} tasks, {r.worked_ms / 60000:.1f} min, paid {amount_text(r.paid_cents)}" for r in ranked],
            threshold=floor_line,
            y_min=0,
            y_label=f"{pay.currency} per hour",
            frame=Frame.wide(),
        ),
    }
    periods = []
    for period in project.pay_periods.annotate(
        n=Count("statements"), total=Sum("statements__total_cents"), topup=Sum("statements__topup_cents")
    ).order_by("-starts_at"):
        periods.append(
            {
                "period": period,
                "statements": period.n,
                "total": amount_text(period.total or 0),
                "topup": amount_text(period.topup or 0),
            }
        )
    return {"pay": pay, "charts": charts, "periods": periods, "hours": pay.worked_ms / 3_600_000}
