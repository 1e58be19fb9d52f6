"""Assemble the project quality page: alpha over time and per version, confusion, per label, the queue."""

from __future__ import annotations

from backoffice.charts import (
    Frame,
    Series,
    bar_chart,
    confusion_heatmap,
    fmt_percent,
    line_chart,
    short_date,
)
from backoffice.selectors.common import ci_pairs, section_snapshot
from backoffice.selectors.model_use import model_use_panel
from labeling.models import Project
from labeling.selectors.annotation_frame import NUMERIC_TYPES
from labeling.selectors.resolution import adjudication_queue

QUEUE_PAGE = 25


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
        "decide_options": []
        if project.label_type in NUMERIC_TYPES
        else [tuple(option) for option in data["decide_options"]],
        "model_use": model_use_panel(project=project),
    }
