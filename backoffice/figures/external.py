"""Figures owned by other parts (rater lifecycle, direct labeling, datasets), read through their selectors."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from datasets.models import Dataset, DatasetVersion
from datasets.selectors.drift import versions_diff
from datasets.selectors.versions import dataset_versions_overview
from feedback.selectors.health import counter_series, feedback_health
from labeling.models import Project
from raters.selectors.diversity import pool_diversity_report


def diversity_figures(*, project: Project) -> dict:
    """The rater lifecycle's k-anonymous report for the project's raters (already suppressed there)."""
    return {"report": asdict(pool_diversity_report(project=project)), "error": None}


SERIES_MINUTES = 60
SERIES_COUNTERS = [
    "requests",
    "feedback",
    "feedback_applied",
    "feedback_late_applied",
    "labels_written",
    "labels_negative_closed",
    "windows_closed",
    "dead_letters",
]


def health_figures() -> dict:
    """The direct-labeling part's health report plus per-minute counters for the last hour."""
    data = feedback_health()
    since = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=SERIES_MINUTES)
    data["minute_series"] = counter_series(names=SERIES_COUNTERS, since=since)
    data["series_since"] = since.isoformat()
    return {"health": data, "error": None}


def datasets_stamp() -> list:
    """What the datasets figures read, cheaply: how many versions, how many finished, the newest finish."""
    versions = DatasetVersion.objects.aggregate(
        n=Count("id"), done=Count("id", filter=~Q(status="building")), built=Max("built_at")
    )
    return [versions["n"], versions["done"], versions["built"].isoformat() if versions["built"] else None]


def datasets_figures() -> dict:
    """Every dataset's versions (figures, freshness, drift) and the diff counts of consecutive versions."""
    out = []
    for dataset in Dataset.objects.order_by("name"):
        versions = dataset_versions_overview(dataset=dataset)
        by_number = {v.number: v for v in DatasetVersion.objects.filter(dataset=dataset).select_related("dataset")}
        for row in versions:
            row["diff"] = None
            version = by_number.get(row["number"])
            if version is not None and version.parent_id and row["status"] == "ready":
                counts = versions_diff(old=by_number.get(row["parent"]), new=version, sample=0)
                row["diff"] = {k: counts[k] for k in ("added", "removed", "relabeled", "unchanged")}
            row.pop("erasures", None)
        out.append(
            {
                "name": dataset.name,
                "description": dataset.description,
                "drift_threshold": dataset.drift_threshold,
                "max_label_age_seconds": dataset.max_label_age.total_seconds() if dataset.max_label_age else None,
                "versions": sorted(versions, key=lambda v: v["number"]),
            }
        )
    return {"datasets": out, "error": None}
