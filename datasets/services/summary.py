"""Figures computed from a version's stored rows: content hash, counts, distributions, label times.

Everything here reads the rows back from PostgreSQL, so the figures describe what is stored (also
after an erasure), not what the build believed it wrote.

Gold rows (known answers, `source = "gold"`) are counted in the row, split, label and source counts
like any exported row; the hash covers their `source`, so the same value as a known answer and as a
crowd label hash differently. Label times (freshness) cover crowd and direct labels only: a gold
row's time is when its answer was set, which says nothing about how fresh the collected labels are.
"""

from __future__ import annotations

from django.db import connection

from datasets.models import RowSource

# The label as text: strings bare ("entailment"), anything else as JSON ("1", "[1, 2]").
LABEL_TEXT_SQL = "CASE jsonb_typeof(label) WHEN 'string' THEN label #>> '{}' ELSE label::text END"

# A row's canonical form: every exported field in a fixed order, database ids left out so the same
# labels give the same hash in any database. Times as epoch seconds (independent of the session zone).
CANONICAL_ROW_SQL = """jsonb_build_array(
    key, split, source, label, soft_label_classes, soft_label_probs, confidence, weight,
    extract(epoch FROM label_time), input,
    item_external_id, method, kind, annotation_count, rater_ids, instruction_versions, decided_by, rationale,
    request_id, feedback_event_ids, rule, rule_version, extract(epoch FROM window_start),
    extract(epoch FROM window_end), model, model_version, features, downsampling_rate
)::text"""

# Feature values with more distinct values than this are identifiers, not categories: no drift on them.
MAX_FEATURE_CATEGORIES = 200


def version_content_hash(*, version_id: int) -> str:
    """SHA-256 over the SHA-256 of each canonical row, rows in bytewise key order."""
    sql = f"""
        SELECT encode(sha256(coalesce(
            string_agg(sha256(convert_to({CANONICAL_ROW_SQL}, 'UTF8')), ''::bytea ORDER BY key),
            ''::bytea)), 'hex')
        FROM datasets_datasetrow WHERE version_id = %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [version_id])
        return cursor.fetchone()[0]


def version_summary(*, version_id: int) -> dict:
    """Row count, split, label and source counts, categorical feature counts, newest and median label time."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT split, count(*) FROM datasets_datasetrow WHERE version_id = %s GROUP BY split", [version_id]
        )
        split_counts = {split: count for split, count in cursor.fetchall()}
        cursor.execute(
            f"SELECT {LABEL_TEXT_SQL}, count(*) FROM datasets_datasetrow WHERE version_id = %s GROUP BY 1",
            [version_id],
        )
        label_counts = {label: count for label, count in sorted(cursor.fetchall())}
        cursor.execute(
            "SELECT source, count(*) FROM datasets_datasetrow WHERE version_id = %s GROUP BY source", [version_id]
        )
        source_counts = {source: count for source, count in sorted(cursor.fetchall())}
        cursor.execute(
            """
            SELECT f.key, CASE jsonb_typeof(f.value) WHEN 'string' THEN f.value #>> '{}' ELSE f.value::text END,
                   count(*)
            FROM datasets_datasetrow r, jsonb_each(r.features) f
            WHERE r.version_id = %s AND jsonb_typeof(r.features) = 'object'
              AND jsonb_typeof(f.value) IN ('string', 'boolean')
            GROUP BY 1, 2
            """,
            [version_id],
        )
        feature_counts: dict[str, dict[str, int]] = {}
        for feature, value, count in cursor.fetchall():
            feature_counts.setdefault(feature, {})[value] = count
        cursor.execute(
            """
            SELECT max(label_time), percentile_disc(0.5) WITHIN GROUP (ORDER BY label_time)
            FROM datasets_datasetrow WHERE version_id = %s AND source <> %s
            """,
            [version_id, RowSource.GOLD.value],
        )
        newest, median = cursor.fetchone()
    feature_counts = {
        feature: dict(sorted(counts.items()))
        for feature, counts in sorted(feature_counts.items())
        if len(counts) <= MAX_FEATURE_CATEGORIES
    }
    return {
        "row_count": sum(split_counts.values()),
        "split_counts": {split: split_counts.get(split, 0) for split in ("train", "validation", "test")},
        "label_counts": label_counts,
        "source_counts": source_counts,
        "feature_counts": feature_counts,
        "newest_label_at": newest,
        "median_label_at": median,
    }
