"""Assemble the datasets page: versions, sizes, splits, diffs, Chebyshev drift and freshness."""

from __future__ import annotations

from backoffice.charts import Series, bar_chart, line_chart, stacked_bar_chart
from backoffice.charts.base import PALETTE
from backoffice.selectors.common import section_snapshot


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _dataset_view(dataset: dict) -> dict:
    versions = dataset["versions"]
    labels = [f"v{v['number']}" for v in versions]
    order = {"train": 0, "validation": 1, "test": 2}
    splits = sorted(
        {split for v in versions for split in (v.get("split_counts") or {})}, key=lambda s: (order.get(s, 9), s)
    )
    rows = []
    for v in versions:
        drift = v.get("drift") or {}
        freshness = v.get("freshness") or {}
        feature_max = max((drift.get("feature_distances") or {}).values(), default=None)
        rows.append(
            {
                "label": f"v{v['number']}",
                "status": v["status"],
                "created_at": v["created_at"],
                "rows": v["row_count"],
                "split_counts": [(v.get("split_counts") or {}).get(s, 0) for s in splits],
                "added": (v.get("diff") or {}).get("added"),
                "removed": (v.get("diff") or {}).get("removed"),
                "changed": (v.get("diff") or {}).get("relabeled"),
                "drift": drift.get("label_distance"),
                "feature_drift": feature_max,
                "drift_alert": bool(drift.get("warning")),
                "drifted_features": drift.get("drifted_features") or [],
                "freshness": freshness.get("status"),
                "newest_age": _age(freshness.get("newest_age_seconds")),
                "median_age": _age(freshness.get("median_age_seconds")),
            }
        )
    threshold = dataset["drift_threshold"]
    ready = [v for v in versions if v["status"] == "ready"]
    latest = (ready[-1].get("freshness") or {}) if ready else {}
    requirement = dataset["max_label_age_seconds"]
    ages = [(v.get("freshness") or {}).get("newest_age_seconds") for v in versions]
    charts = [
        (
            "Rows per version, by split",
            stacked_bar_chart(
                title="Rows per version by split",
                labels=labels,
                series=[(s, [(v.get("split_counts") or {}).get(s, 0) for v in versions]) for s in splits],
                y_label="rows",
            ),
        ),
        (
            "Diff against the previous version",
            stacked_bar_chart(
                title="Diff against the previous version",
                labels=labels,
                series=[
                    (name, [(v.get("diff") or {}).get(name, 0) for v in versions])
                    for name in ("added", "removed", "relabeled")
                ],
                y_label="rows",
            ),
        ),
        (
            "Chebyshev (L∞) drift against the previous version",
            line_chart(
                title="Chebyshev drift against the previous version",
                x=labels,
                series=[
                    Series(name="label distribution", values=[r["drift"] for r in rows]),
                    Series(name="worst feature", values=[r["feature_drift"] for r in rows], color="#9333ea"),
                ],
                y_min=0,
                y_label="L∞ distance",
                threshold=(threshold, f"threshold {threshold:g}"),
            ),
        ),
        (
            "Age of the newest label, against the requirement",
            bar_chart(
                title="Label age of each version (newest label, hours)",
                labels=labels,
                values=[a / 3600 if a is not None else None for a in ages],
                threshold=(requirement / 3600, "requirement") if requirement else None,
                y_label="hours",
                colors=[PALETTE[3] if r["freshness"] == "stale" else PALETTE[0] for r in rows],
            ),
        ),
    ]
    return {
        "name": dataset["name"],
        "description": dataset["description"],
        "threshold": threshold,
        "splits": splits,
        "rows": list(reversed(rows)),
        "charts": charts,
        "freshness": latest.get("status"),
        "newest_age": _age(latest.get("newest_age_seconds")),
        "requirement": _age(requirement) if requirement else None,
    }


def datasets_page() -> dict:
    data, freshness = section_snapshot(section="datasets")
    datasets = [_dataset_view(d) for d in data.get("datasets") or []]
    return {"freshness": freshness, "error": data.get("error"), "datasets": datasets}
