"""Direct labels out: the `direct_label.finalised` webhook event (one per batch) and, when
`FEEDBACK["DIRECT_LABELS_STREAM"]` is on, one outbox record per final label version for the Kafka relay.

Called on one line where labels become final (window close) or are corrected (late feedback), inside that
transaction, so a crash neither loses a version nor publishes one that rolled back.
"""

from __future__ import annotations

import json

from django.db import connection

from config.outbox.services import event_emit, stream_records_emit
from feedback import conf

# A batch's event lists at most this many labels (the count is always complete).
EVENT_MAX_LABELS = 1000

# Final versions of the given requests, in (request, version) order: the order the relay publishes them in.
# `fresh`: the current version and written by this transaction (clock_timestamp() >= now(), its start).
_FINAL_VERSIONS = """
SELECT l.request_id, l.version, l.is_current, l.label, l.weight, l.source, l.rule_id, l.rule_version,
       l.window_start, l.window_end, l.model, l.model_version, l.features, l.user_id, l.feedback_event_ids,
       l.downsampling_rate, l.created_at, l.updated_at, (l.is_current AND l.updated_at >= now()) AS fresh
FROM feedback_directlabel l
WHERE l.request_id = ANY(%s) AND l.is_final
ORDER BY l.request_id, l.version
"""

_COLUMNS = ("request_id", "version", "is_current", "label", "weight", "source", "rule_id", "rule_version",
            "window_start", "window_end", "model", "model_version", "features", "user_id", "feedback_event_ids",
            "downsampling_rate", "created_at", "updated_at")  # fmt: skip


def _stamp(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def label_record(row: dict) -> dict:
    """The stream record of one label version (docs/direct-labels-stream.md)."""
    record = {name: row[name] for name in _COLUMNS if name not in ("is_current", "updated_at")}
    for name in ("window_start", "window_end", "created_at"):
        record[name] = _stamp(record[name])
    for name in ("features", "feedback_event_ids"):  # a raw cursor returns jsonb as text
        if isinstance(record[name], str):
            record[name] = json.loads(record[name])
    return record


def direct_labels_finalised(*, request_ids: list[str]) -> None:
    """Announce the final label versions of these requests written by the caller's transaction."""
    if not request_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_FINAL_VERSIONS, [list(request_ids)])
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    if conf.direct_labels_stream() and rows:
        stream_records_emit(
            record_type="direct_label.version",
            topic=conf.direct_labels_topic(),
            records=[
                (r["request_id"], f"direct-label:{r['request_id']}:{r['version']}", label_record(r)) for r in rows
            ],
        )
    fresh = [r for r in rows if r["fresh"]]
    if fresh:
        event_emit(
            "direct_label.finalised",
            {
                "count": len(fresh),
                "corrections": sum(1 for r in fresh if r["version"] > 1),
                "labels": [
                    {
                        key: r[key]
                        for key in ("request_id", "version", "label", "weight", "source", "model", "model_version")
                    }  # fmt: skip
                    for r in fresh[:EVENT_MAX_LABELS]
                ],
                "truncated": len(fresh) > EVENT_MAX_LABELS,
            },
        )
