"""Figures owned by other parts (rater lifecycle, direct labeling, datasets), fetched through `sources`."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import timedelta

from django.utils import timezone

from labeling.dashboard.sources import call_safely, first_available, optional
from labeling.models import Project


def diversity_figures(*, project: Project) -> dict:
    """The rater lifecycle's k-anonymous report for the project's raters (already suppressed there)."""
    report = first_available([("raters.selectors.diversity", "pool_diversity_report")])
    data, error = call_safely(report, project=project)
    if data is not None and is_dataclass(data):
        data = asdict(data)
    return {"report": data, "error": error}


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
    health = first_available([("feedback.selectors.health", "feedback_health")])
    data, error = call_safely(health)
    if data is None:
        return {"health": None, "error": error}
    series_of = optional("feedback.selectors.health", "counter_series")
    since = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=SERIES_MINUTES)
    series, _ = call_safely(series_of, names=SERIES_COUNTERS, since=since)
    data["minute_series"] = series or {}
    data["series_since"] = since.isoformat()
    return {"health": data, "error": None}


def datasets_figures() -> dict:
    """Every dataset's versions (figures, freshness, drift) and the diff counts of consecutive versions."""
    overview = first_available([("datasets.selectors.versions", "dataset_versions_overview")])
    diff = first_available([("datasets.selectors.drift", "versions_diff")])
    if overview is None:
        return {"datasets": None, "error": "not available yet"}
    from datasets.models import Dataset, DatasetVersion

    out = []
    for dataset in Dataset.objects.order_by("name"):
        versions, error = call_safely(overview, dataset=dataset)
        if error:
            return {"datasets": None, "error": error}
        by_number = {v.number: v for v in DatasetVersion.objects.filter(dataset=dataset).select_related("dataset")}
        for row in versions:
            row["diff"] = None
            version = by_number.get(row["number"])
            if diff is not None and version is not None and version.parent_id and row["status"] == "ready":
                counts, _ = call_safely(diff, old=by_number.get(row["parent"]), new=version, sample=0)
                if counts:
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
