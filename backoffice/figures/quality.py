"""Heavy figures of the quality page, each from the agreement part's own selectors.

Overall alpha and its CI, and alpha per instructions version: labeling.selectors.agreement.agreement_report.
Alpha over time, pair agreement per label and the per-version intervals: labeling.selectors.agreement_trend.
The confusion matrix: labeling.selectors.agreement.confusion_matrix. Nothing is estimated here, so the
dashboard shows the numbers the API shows.
"""

from __future__ import annotations

import json

from labeling.models import Item, Project
from labeling.selectors.agreement import agreement_report, confusion_matrix
from labeling.selectors.agreement_trend import agreement_trend, value_label


def _per_version(report: dict, version_ci: dict) -> list[dict]:
    """The report's alpha per instructions version, with the trend selector's bootstrap interval."""
    rows = []
    for row in report.get("per_instruction_version", []):
        ci = version_ci.get(row["instruction_version_id"], {})
        rows.append(
            {
                "version": row["version"],
                "label": f"v{row['version']}" if row["version"] is not None else "none",
                "annotations": row["annotations"],
                "items": row["pairable_units"],
                "alpha": row["alpha"],
                "low": ci.get("low"),
                "high": ci.get("high"),
            }
        )
    return rows


def quality_figures(*, project: Project, bootstrap: int = 1000) -> dict:
    """Everything heavy the quality page draws, as plain data (cached by the precompute service)."""
    report = agreement_report(project=project, bootstrap=bootstrap)
    trend = agreement_trend(project=project, bootstrap=bootstrap)
    confusion = confusion_matrix(project=project)
    level = report["measurement_level"]
    at_level = (report.get("alpha") or {}).get(level)
    overall = None
    if at_level:
        overall = {
            "alpha": at_level["alpha"],
            "low": at_level["ci_low"],
            "high": at_level["ci_high"],
            "items": report.get("pairable_units", 0),
            "observed_agreement": report.get("percent_agreement"),
        }
    matrix = confusion["matrix"] if confusion.get("applicable") else []
    categories = confusion["labels"] if confusion.get("applicable") else []
    per_label = []
    for c, row in enumerate(trend["per_value"]):
        row_total = sum(matrix[c]) if c < len(matrix) else 0
        per_label.append(
            {
                "label": row["label"],
                "pair_agreement": row["pair_agreement"],
                "consensus_match": matrix[c][c] / row_total if row_total else None,
                "annotations": row["annotations"],
            }
        )
    declared = project.categories or []
    return {
        "level": level,
        "categories": categories,
        "decide_options": [[json.dumps(c), value_label(c)] for c in declared],
        "granularity": trend["granularity"],
        "overall": overall,
        "over_time": trend["over_time"],
        "per_version": _per_version(report, trend["version_ci"]),
        "confusion": matrix,
        "consensus_method": confusion.get("consensus_method") or report.get("consensus_method"),
        "per_label": per_label,
        "annotations": report["annotations"],
        "items_total": Item.objects.filter(project=project).count(),
        "bootstrap": bootstrap,
    }
