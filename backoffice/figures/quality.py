"""Heavy figures of the quality page: alpha over time and per instructions version, confusion matrix.

Read with a few grouped SQL queries (one row per item × value × bucket × version), then reduced in
numpy; see `alpha.py` for why this scales to millions of annotations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import connection

from labeling.dashboard.figures.alpha import alpha_from_counts
from labeling.dashboard.figures.values import canonical, categories_for
from labeling.dashboard.sources import call_safely, optional
from labeling.models import Annotation, InstructionVersion, Item, Project, Resolution

MAX_BUCKETS = 40


def granularity_for(span: timedelta) -> str:
    if span <= timedelta(days=MAX_BUCKETS):
        return "day"
    if span <= timedelta(weeks=MAX_BUCKETS):
        return "week"
    return "month"


def _value_rows(project: Project, granularity: str) -> list[tuple]:
    sql = f"""
        SELECT a.item_id, a.value::text, a.instruction_version_id,
               extract(epoch FROM date_trunc(%s, a.created_at))::bigint AS bucket, count(*)
        FROM {Annotation._meta.db_table} a
        JOIN {Item._meta.db_table} i ON i.id = a.item_id
        WHERE a.project_id = %s AND NOT i.is_exam AND NOT i.is_practice
        GROUP BY 1, 2, 3, 4
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [granularity, project.pk])
        return cursor.fetchall()


def _confusion_rows(project: Project) -> list[tuple]:
    sql = f"""
        SELECT a.value::text, r.label::text, count(*)
        FROM {Annotation._meta.db_table} a
        JOIN {Resolution._meta.db_table} r ON r.item_id = a.item_id AND r.is_current AND r.label IS NOT NULL
        WHERE a.project_id = %s
        GROUP BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.pk])
        return cursor.fetchall()


def _count_matrix(items: np.ndarray, cats: np.ndarray, counts: np.ndarray, n_items: int, k: int) -> np.ndarray:
    matrix = np.zeros((n_items, k), dtype=np.int64)
    np.add.at(matrix, (items, cats), counts)
    return matrix


def _alpha_row(result) -> dict:
    row = result.as_dict()
    row.pop("per_category")
    return row


def quality_figures(*, project: Project, bootstrap: int = 1000) -> dict:
    """Everything heavy the quality page draws, as plain data (cached by the precompute service)."""
    bounds = Annotation.objects.filter(project=project).order_by("created_at").values_list("created_at", flat=True)
    first, last = bounds.first(), bounds.last()
    granularity = granularity_for((last - first) if first and last else timedelta(0))
    rows = _value_rows(project, granularity)
    distinct = {text: canonical(text) for text in {row[1] for row in rows}}
    keys = [distinct[row[1]] for row in rows]
    categories = categories_for(project, sorted({k for k in keys if k is not None}))
    level = project.measurement_level
    k = len(categories)

    keep = [i for i, key in enumerate(keys) if key in categories.index]
    item_ids = np.array([rows[i][0] for i in keep], dtype=np.int64)
    cats = np.array([categories.index[keys[i]] for i in keep], dtype=np.int64)
    versions = np.array([rows[i][2] or 0 for i in keep], dtype=np.int64)
    buckets_raw = [rows[i][3] for i in keep]
    counts = np.array([rows[i][4] for i in keep], dtype=np.int64)
    bucket_values = sorted(set(buckets_raw))
    bucket_index = {b: i for i, b in enumerate(bucket_values)}
    buckets = np.array([bucket_index[b] for b in buckets_raw], dtype=np.int64)
    unique_items, items = np.unique(item_ids, return_inverse=True) if len(item_ids) else (np.zeros(0), item_ids)
    n_items = len(unique_items)

    def alpha_of(mask: np.ndarray | None, seed: int = 0):
        if mask is None:
            matrix = _count_matrix(items, cats, counts, n_items, k)
        else:
            matrix = _count_matrix(items[mask], cats[mask], counts[mask], n_items, k)
        return alpha_from_counts(matrix, level=level, points=categories.points, bootstrap=bootstrap, seed=seed)

    overall = alpha_of(None) if k else None

    over_time = []
    running = np.zeros((n_items, k), dtype=np.int64)
    for b, bucket in enumerate(bucket_values):
        mask = buckets == b
        np.add.at(running, (items[mask], cats[mask]), counts[mask])
        result = alpha_from_counts(running, level=level, points=categories.points, bootstrap=bootstrap, seed=b)
        day = datetime.fromtimestamp(bucket, tz=UTC).date().isoformat()
        over_time.append({"bucket": day, "labels": int(counts[mask].sum()), **_alpha_row(result)})

    version_numbers = dict(InstructionVersion.objects.filter(project=project).values_list("id", "version"))
    per_version = []
    for version_id in sorted(set(versions.tolist()), key=lambda v: version_numbers.get(v, -1)):
        mask = versions == version_id
        result = alpha_of(mask, seed=int(version_id))
        per_version.append(
            {
                "version": version_numbers.get(version_id),
                "label": f"v{version_numbers[version_id]}" if version_id in version_numbers else "none",
                "annotations": int(counts[mask].sum()),
                **_alpha_row(result),
            }
        )

    confusion = [[0] * k for _ in range(k)]
    for value_text, label_text, n in _confusion_rows(project):
        row, col = categories.index.get(canonical(value_text)), categories.index.get(canonical(label_text))
        if row is not None and col is not None:
            confusion[row][col] += n

    per_label = []
    for c in range(k):
        row_total = sum(confusion[c])
        per_label.append(
            {
                "label": categories.names[c],
                "pair_agreement": overall.per_category[c] if overall else None,
                "consensus_match": confusion[c][c] / row_total if row_total else None,
                "annotations": int(counts[cats == c].sum()),
            }
        )

    overall_row = _alpha_row(overall) if overall else None
    overall_source = "dashboard"
    report, error = call_safely(
        optional("labeling.selectors.agreement", "agreement_report"), project=project, bootstrap=bootstrap
    )
    if report and report.get("alpha") and overall_row is not None:
        level = report.get("measurement_level", level)
        at_level = report["alpha"].get(level) or {}
        overall_row = {
            **overall_row,
            "alpha": at_level.get("alpha"),
            "low": at_level.get("ci_low"),
            "high": at_level.get("ci_high"),
            "observed_agreement": report.get("percent_agreement", overall_row["observed_agreement"]),
        }
        overall_source = "agreement report"
    return {
        "overall_source": overall_source,
        "overall_error": error,
        "level": level,
        "categories": categories.names,
        "category_keys": categories.keys,
        "granularity": granularity,
        "overall": overall_row,
        "over_time": over_time,
        "per_version": per_version,
        "confusion": confusion,
        "per_label": per_label,
        "annotations": int(counts.sum()),
        "items_total": Item.objects.filter(project=project).count(),
        "bootstrap": bootstrap,
    }
