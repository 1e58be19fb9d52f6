"""Assemble the cost and throughput page: labels per day, cost per resolved label, budget burned and left."""

from __future__ import annotations

from itertools import accumulate

from backoffice.charts import Frame, Series, bar_chart, line_chart, short_date, stacked_bar_chart
from backoffice.selectors.common import section_snapshot
from labeling.models import Project


def _money(cents: float | None) -> str:
    return "—" if cents is None else f"${cents / 100:,.2f}"


def cost_page(*, project: Project) -> dict:
    data, freshness = section_snapshot(section="cost", project=project)
    budget = data["budget"]
    days = [short_date(d) for d in data["days"]]
    cumulative = [c / 100 for c in accumulate(data["spend_per_day_cents"])]
    resolved_cumulative = list(accumulate(data["resolved_per_day"]))
    cost_per_label = [
        (spend / done if done else None) for spend, done in zip(cumulative, resolved_cumulative, strict=True)
    ]
    threshold = (project.budget_cents / 100, f"budget {_money(project.budget_cents)}") if project.budget_cents else None
    charts = {
        "labels": stacked_bar_chart(
            title="Labels per day by source",
            labels=days,
            series=list(data["labels_by_source"].items()),
            y_label="labels",
            frame=Frame.wide(),
        ),
        "resolved": stacked_bar_chart(
            title="Items resolved per day",
            labels=days,
            series=[("resolved", data["resolved_per_day"]), ("sent to adjudication", data["adjudication_per_day"])],
            y_label="items",
        ),
        "spend": line_chart(
            title="Budget burned (cumulative spend)",
            x=days,
            series=[Series(name="spent ($)", values=cumulative)],
            y_min=0,
            y_label="dollars",
            threshold=threshold,
        ),
        "cost_per_label": line_chart(
            title="Cost per resolved label (cumulative)",
            x=days,
            series=[Series(name="$ per resolved label", values=cost_per_label, color="#16a34a")],
            y_min=0,
            y_label="dollars",
        ),
        "burn": bar_chart(
            title="Budget: spent, committed to open leases, left",
            labels=["spent", "committed", "left"],
            values=[
                budget["spent"] / 100,
                (budget["committed"] - budget["spent"]) / 100,
                budget["remaining"] / 100 if budget["remaining"] is not None else None,
            ]
            if project.budget_cents
            else [],
            colors=["#f97316", "#ca8a04", "#16a34a"],
            y_label="dollars",
        ),
    }
    return {
        "freshness": freshness,
        "figures": data,
        "budget": budget,
        "money": {
            "budget": _money(budget["budget"]),
            "spent": _money(budget["spent"]),
            "remaining": _money(budget["remaining"]),
            "per_resolved": _money(budget["per_resolved"]),
        },
        "charts": charts,
    }
