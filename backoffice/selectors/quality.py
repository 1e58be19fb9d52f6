"""Assemble the project quality page: alpha over time and per version, confusion, per label, the queue."""

from __future__ import annotations

from django.db.models import QuerySet

from labeling.dashboard.charts import (
    Frame,
    Series,
    bar_chart,
    confusion_heatmap,
    fmt_percent,
    line_chart,
    short_date,
)
from labeling.dashboard.figures.values import NUMERIC_TYPES
from labeling.dashboard.selectors.common import ci_pairs, section_snapshot
from labeling.dashboard.sources import optional
from labeling.models import Project, Resolution

QUEUE_PAGE = 25


def adjudication_queue(*, project: Project) -> QuerySet[Resolution]:
    """Current resolutions waiting for a staff decision, oldest first (partial index).

    The resolution part's selector when installed, so the dashboard lists exactly what its API lists.
    """
    theirs = optional("labeling.selectors.resolution", "adjudication_queue")
    if theirs is not None:
        return theirs(project=project)
    return (
        Resolution.objects.filter(project=project, is_current=True, needs_adjudication=True)
        .select_related("item")
        .order_by("created_at", "pk")
    )


def adjudication_available() -> bool:
    return optional("labeling.services.adjudication", "resolution_adjudicate") is not None


def quality_page(*, project: Project) -> dict:
    data, freshness = section_snapshot(section="quality", project=project)
    over_time = data["over_time"]
    per_version = data["per_version"]
    categories = data["categories"]
    charts = {
        "alpha_time": line_chart(
            title="Krippendorff's alpha over time (cumulative, 95% bootstrap CI)",
            x=[short_date(row["bucket"]) for row in over_time],
            series=[
                Series(
                    name="alpha",
                    values=[row["alpha"] for row in over_time],
                    band=ci_pairs(over_time),
                )
            ],
            y_label="alpha",
            threshold=(0.667, "0.667 tentative"),
            frame=Frame.wide(),
        ),
        "alpha_version": bar_chart(
            title="Alpha per instructions version (95% CI)",
            labels=[row["label"] for row in per_version],
            values=[row["alpha"] for row in per_version],
            errors=ci_pairs(per_version),
            notes=[f"{row['annotations']:,} labels, {row['items']:,} items" for row in per_version],
            y_label="alpha",
            threshold=(0.8, "0.8 reliable"),
        ),
        "confusion": confusion_heatmap(
            title="Rater labels against consensus", labels=categories, counts=data["confusion"]
        ),
        "per_label": bar_chart(
            title="Per-label agreement",
            labels=[row["label"] for row in data["per_label"]],
            values=[row["pair_agreement"] for row in data["per_label"]],
            notes=[
                f"matches consensus {fmt_percent(row['consensus_match'])}" if row["consensus_match"] is not None else ""
                for row in data["per_label"]
            ],
            y_format=fmt_percent,
            y_min=0,
            y_max=1,
            y_label="pairs agreeing",
        ),
    }
    queue = adjudication_queue(project=project)
    return {
        "figures": data,
        "freshness": freshness,
        "charts": charts,
        "queue": list(queue[:QUEUE_PAGE]),
        "queue_total": queue.count(),
        "categories": categories,
        "adjudication_available": adjudication_available(),
        "decide_options": []
        if project.label_type in NUMERIC_TYPES
        else list(zip(data["category_keys"], categories, strict=True)),
    }
