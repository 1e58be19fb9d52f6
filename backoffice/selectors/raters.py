"""Assemble the raters table (sortable, paged), the pair heatmap, and the per-rater drill-down."""

from __future__ import annotations

import math

from django.contrib.auth import get_user_model
from django.db import connection

from backoffice.charts import Frame, bar_chart, confusion_heatmap, fmt_percent, heatmap, stacked_bar_chart
from backoffice.selectors.common import section_snapshot
from labeling.models import Annotation, Project
from labeling.selectors.rater_agreement import rater_daily_agreement, rater_partners
from raters.selectors.quality import rater_pause_history

PAGE_SIZE = 100
SORTABLE = {
    "username": "rater",
    "annotations": "labels",
    "gold_accuracy": "gold accuracy",
    "consensus_agreement": "agreement with consensus",
    "reliability": "model reliability",
    "median_seconds": "median s/task",
    "fast_share": "fast answers",
    "status": "status",
    "earnings_cents": "earnings",
}


def _sorted(rows: list[dict], key: str, descending: bool) -> list[dict]:
    """Sort with missing values last whatever the direction."""
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    present.sort(key=lambda r: (r[key], r["rater_id"]), reverse=descending)
    return present + missing


def _with_dollars(row: dict) -> dict:
    cents = row.get("earnings_cents")
    return {**row, "earnings_dollars": cents / 100 if cents is not None else None}


def _histogram(values: list[float], bins: int = 10) -> tuple[list[str], list[int]]:
    counts = [0] * bins
    for value in values:
        counts[min(int(value * bins), bins - 1)] += 1
    return [f"{i * 100 // bins}–{(i + 1) * 100 // bins}%" for i in range(bins)], counts


def raters_page(*, project: Project, sort: str = "annotations", descending: bool = True, page: int = 1) -> dict:
    data, freshness = section_snapshot(section="raters", project=project)
    sort = sort if sort in SORTABLE else "annotations"
    rows = _sorted(data["raters"], sort, descending)
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    pairs = data["pairs"]
    labels, counts = _histogram([r["consensus_agreement"] for r in rows if r["consensus_agreement"] is not None])
    charts = {
        "pairs": heatmap(
            title="Rater-pair agreement (share of shared items labelled alike)",
            rows=pairs["names"],
            cols=pairs["names"],
            values=pairs["agreement"],
            counts=pairs["pairs"],
            low=0.0,
            high=1.0,
            fmt=lambda v: f"{v * 100:.0f}",
            kind="pairs",
        ),
        "agreement_histogram": bar_chart(
            title="Raters by agreement with consensus",
            labels=labels,
            values=counts if any(counts) else [],
            y_label="raters",
        ),
    }
    return {
        "freshness": freshness,
        "rows": [_with_dollars(r) for r in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]],
        "total": len(rows),
        "page": page,
        "pages": pages,
        "sort": sort,
        "descending": descending,
        "columns": SORTABLE,
        "charts": charts,
    }


def _rater_times(project: Project, rater_id: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT width_bucket(least(time_spent_ms, 119999) / 1000.0, 0, 120, 12), count(*)
                FROM {Annotation._meta.db_table}
                WHERE project_id = %s AND rater_id = %s AND time_spent_ms IS NOT NULL GROUP BY 1 ORDER BY 1""",
            [project.pk, rater_id],
        )
        return cursor.fetchall()


def rater_detail_page(*, project: Project, rater_id: int) -> dict | None:
    """One rater's figures from the snapshot plus live, index-backed queries on their own labels."""
    data, freshness = section_snapshot(section="raters", project=project)
    row = next((r for r in data["raters"] if r["rater_id"] == rater_id), None)
    if row is None:
        return None
    daily = rater_daily_agreement(project=project, rater_id=rater_id)
    confusion = data["confusion"]
    matrix = confusion["per_rater"].get(rater_id, [])
    labels = confusion["labels"]
    labels = labels if matrix else []
    times = dict(_rater_times(project, rater_id))
    time_labels = [f"{(b - 1) * 10}–{b * 10}s" for b in range(1, 13)]
    partners = rater_partners(project=project, rater_id=rater_id)
    charts = {
        "daily": stacked_bar_chart(
            title="Labels per day against consensus",
            labels=[d.strftime("%b %-d") for d, *_ in daily],
            series=[
                ("agrees", [r[1] for r in daily]),
                ("disagrees", [r[2] for r in daily]),
                ("unresolved", [r[3] for r in daily]),
            ],
            y_label="labels",
            frame=Frame.wide(),
        ),
        "confusion": confusion_heatmap(title="This rater's labels against consensus", labels=labels, counts=matrix),
        "times": bar_chart(
            title="Seconds per task",
            labels=time_labels,
            values=[times.get(b, 0) for b in range(1, 13)] if times else [],
            y_label="labels",
        ),
        "partners": bar_chart(
            title="Agreement with the raters they share most items with",
            labels=[p["username"] for p in partners],
            values=[p["agreement"] for p in partners],
            notes=[f"{p['shared']} shared items" for p in partners],
            y_format=fmt_percent,
            y_min=0,
            y_max=1,
            frame=Frame.wide(),
        ),
    }
    history = rater_pause_history(project=project, user=get_user_model()(pk=rater_id))
    return {
        "freshness": freshness,
        "rater": _with_dollars(row),
        "charts": charts,
        "partners": partners,
        "status_history": list(history or []),
    }
