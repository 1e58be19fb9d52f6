"""Diffs between versions and drift of label and feature distributions.

Drift is the L-infinity (Chebyshev) distance between two categorical distributions, the largest
difference in any one category's share (TFDV's skew measure): it says "some class moved by X points",
which a dashboard can put next to a per-dataset threshold.

A diff also says where rows come from (`source`: human, direct, gold): rows added and removed per
source, and rows whose source changed, e.g. a gold item exported with its known answer where an
older version had a crowd label for it, or left out after a change of the gold policy.
"""

from __future__ import annotations

from django.db import connection

from config.exceptions import ConflictError
from datasets.models import DatasetVersion, VersionStatus

DIFF_SAMPLE = 20


def shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {key: value / total for key, value in sorted(counts.items())} if total else {}


def chebyshev_distance(p: dict[str, float], q: dict[str, float]) -> float:
    """max over categories of |p(c) - q(c)|; a category missing on one side has share 0 there."""
    categories = set(p) | set(q)
    if not categories:
        return 0.0
    return max(abs(p.get(category, 0.0) - q.get(category, 0.0)) for category in categories)


def feature_distances(old: DatasetVersion, new: DatasetVersion) -> dict[str, float]:
    features = sorted(set(old.feature_counts) | set(new.feature_counts))
    return {
        feature: chebyshev_distance(
            shares(old.feature_counts.get(feature, {})), shares(new.feature_counts.get(feature, {}))
        )
        for feature in features
    }


def _drift(old: DatasetVersion, new: DatasetVersion) -> dict:
    threshold = new.dataset.drift_threshold
    label_distance = chebyshev_distance(shares(old.label_counts), shares(new.label_counts))
    by_feature = feature_distances(old, new)
    drifted = [name for name, distance in by_feature.items() if distance > threshold]
    return {
        "threshold": threshold,
        "label_distance": label_distance,
        "feature_distances": by_feature,
        "drifted_features": drifted,
        "warning": label_distance > threshold or bool(drifted),
    }


_DIFF_COUNTS_SQL = """
SELECT count(*) FILTER (WHERE a.key IS NULL),
       count(*) FILTER (WHERE b.key IS NULL),
       count(*) FILTER (WHERE a.key IS NOT NULL AND b.key IS NOT NULL AND a.label <> b.label),
       count(*) FILTER (WHERE a.key IS NOT NULL AND b.key IS NOT NULL AND a.label = b.label)
FROM (SELECT key, label FROM datasets_datasetrow WHERE version_id = %(old)s) a
FULL OUTER JOIN (SELECT key, label FROM datasets_datasetrow WHERE version_id = %(new)s) b ON a.key = b.key
"""
_BY_SOURCE_SQL = """
SELECT coalesce(b.source, a.source),
       count(*) FILTER (WHERE a.key IS NULL),
       count(*) FILTER (WHERE b.key IS NULL),
       count(*) FILTER (WHERE a.key IS NOT NULL AND b.key IS NOT NULL AND a.label <> b.label),
       count(*) FILTER (WHERE a.key IS NOT NULL AND b.key IS NOT NULL AND a.source <> b.source)
FROM (SELECT key, label, source FROM datasets_datasetrow WHERE version_id = %(old)s) a
FULL OUTER JOIN (SELECT key, label, source FROM datasets_datasetrow WHERE version_id = %(new)s) b ON a.key = b.key
GROUP BY 1 ORDER BY 1
"""
_ADDED_SQL = """
SELECT b.key FROM datasets_datasetrow b WHERE b.version_id = %(new)s AND NOT EXISTS (
    SELECT 1 FROM datasets_datasetrow a WHERE a.version_id = %(old)s AND a.key = b.key) ORDER BY b.key LIMIT %(n)s
"""
_REMOVED_SQL = """
SELECT a.key FROM datasets_datasetrow a WHERE a.version_id = %(old)s AND NOT EXISTS (
    SELECT 1 FROM datasets_datasetrow b WHERE b.version_id = %(new)s AND b.key = a.key) ORDER BY a.key LIMIT %(n)s
"""
_RELABELED_SQL = """
SELECT a.key, a.label::text, b.label::text, a.source, b.source FROM datasets_datasetrow a
JOIN datasets_datasetrow b ON b.version_id = %(new)s AND b.key = a.key
WHERE a.version_id = %(old)s AND (a.label <> b.label OR a.source <> b.source) ORDER BY a.key LIMIT %(n)s
"""


def versions_diff(*, old: DatasetVersion, new: DatasetVersion, sample: int = DIFF_SAMPLE) -> dict:
    """Rows added, removed and relabeled from `old` to `new` (matched by key), with distributions and drift."""
    for version in (old, new):
        if version.status != VersionStatus.READY:
            raise ConflictError("Only ready versions can be compared", {"version": version.number})
    params = {"old": old.pk, "new": new.pk, "n": sample}
    with connection.cursor() as cursor:
        cursor.execute(_DIFF_COUNTS_SQL, params)
        added, removed, relabeled, unchanged = cursor.fetchone()
        cursor.execute(_BY_SOURCE_SQL, params)
        by_source = {
            source: {"added": add, "removed": rem, "relabeled": rel, "source_changed": moved}
            for source, add, rem, rel, moved in cursor.fetchall()
        }
        cursor.execute(_ADDED_SQL, params)
        added_keys = [row[0] for row in cursor.fetchall()]
        cursor.execute(_REMOVED_SQL, params)
        removed_keys = [row[0] for row in cursor.fetchall()]
        cursor.execute(_RELABELED_SQL, params)
        relabeled_rows = [
            {"key": key, "old": old_label, "new": new_label, "old_source": old_source, "new_source": new_source}
            for key, old_label, new_label, old_source, new_source in cursor
        ]
    return {
        "old": {"number": old.number, "content_hash": old.content_hash, "row_count": old.row_count},
        "new": {"number": new.number, "content_hash": new.content_hash, "row_count": new.row_count},
        "added": added,
        "removed": removed,
        "relabeled": relabeled,
        "unchanged": unchanged,
        "source_changed": sum(entry["source_changed"] for entry in by_source.values()),
        "by_source": by_source,
        "source_counts": {"old": old.source_counts, "new": new.source_counts},
        "samples": {"added": added_keys, "removed": removed_keys, "relabeled": relabeled_rows},
        "label_distribution": {"old": shares(old.label_counts), "new": shares(new.label_counts)},
        **_drift(old, new),
    }


def version_drift(*, version: DatasetVersion) -> dict:
    """Drift of a version against its parent (the dashboard's per-version warning)."""
    parent = version.parent
    if parent is None:
        return {
            "parent": None,
            "threshold": version.dataset.drift_threshold,
            "label_distance": None,
            "feature_distances": {},
            "drifted_features": [],
            "warning": False,
        }
    return {"parent": parent.number, **_drift(parent, version)}


def dataset_versions_overview(*, dataset) -> list[dict]:
    """Every version with figures, freshness and drift (lives in versions.py; here for the dashboard's import)."""
    from datasets.selectors.versions import dataset_versions_overview as overview

    return overview(dataset=dataset)
