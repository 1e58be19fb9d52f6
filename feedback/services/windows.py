"""Closing windows (negatives) and declaring orphans. Called by Celery beat (feedback.tasks.close_due_windows)
and directly in tests. A window closes when its wall-clock deadline (window end + grace) has passed AND
the event-time low watermark of the feedback topic has passed it too, so a consumer that lags never turns
in-window feedback late (docs/adr/0019-event-time-watermarks.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from feedback.events import direct_labels_finalised
from feedback.selectors.watermarks import feedback_low_watermark
from feedback.services.counters import counters_add

# SKIP LOCKED: a request a consumer is joining right now is closed on the next run, never waited on.
_CLOSE_CHUNK = """
WITH due AS (
    SELECT request_id FROM feedback_inferencerequest
    WHERE state = 'open' AND close_at <= %(cutoff)s
    ORDER BY request_id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
UPDATE feedback_inferencerequest r SET state = 'closed', closed_at = %(now)s
FROM due WHERE r.request_id = due.request_id
RETURNING r.request_id
"""

_FINALIZE_LABELS = """
UPDATE feedback_directlabel SET is_final = true, updated_at = clock_timestamp()
WHERE request_id = ANY(%(ids)s) AND is_current AND NOT is_final
"""

_INSERT_NEGATIVES = """
INSERT INTO feedback_directlabel (
    request_id, version, is_current, is_final, label, weight, source, rule_id, rule_version, window_start,
    window_end, model, model_version, features, user_id, feedback_event_ids, downsampling_rate, created_at,
    updated_at
)
SELECT r.request_id, 1, true, true, 0, 1, 'window_closed', rule.id, rule.version, r.served_at, r.window_end,
       r.model, r.model_version, r.features, r.user_id, '[]'::jsonb, rule.negative_downsampling_rate,
       clock_timestamp(), clock_timestamp()
FROM feedback_inferencerequest r
JOIN feedback_labelrule rule ON rule.id = r.rule_id
WHERE r.request_id = ANY(%(ids)s) AND r.sample_key < rule.negative_downsampling_rate
  AND NOT EXISTS (SELECT 1 FROM feedback_directlabel l WHERE l.request_id = r.request_id)
"""

_ORPHAN_CHUNK = """
WITH due AS (
    SELECT request_id FROM feedback_inferencerequest
    WHERE state = 'awaiting' AND first_seen_at <= %(cutoff)s
    ORDER BY request_id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
UPDATE feedback_inferencerequest r SET state = 'orphaned'
FROM due WHERE r.request_id = due.request_id
"""

_ORPHAN_EVENTS = """
UPDATE feedback_feedbackevent e SET status = 'orphan'
FROM feedback_inferencerequest r
WHERE e.status = 'pending' AND r.request_id = e.request_id AND r.state = 'orphaned'
"""


_HELD = """
SELECT count(*) FROM feedback_inferencerequest WHERE state = 'open' AND close_at <= %(now)s
"""

WATERMARK_FROM_CONSUMER = object()


@dataclass
class CloseOutcome:
    closed: int = 0
    negatives: int = 0
    orphan_events: int = 0
    watermark: datetime | None = None
    held: int = 0  # windows past their wall deadline that the watermark has not reached yet


@transaction.atomic
def _close_chunk(*, now: datetime, cutoff: datetime, limit: int) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(_CLOSE_CHUNK, {"now": now, "cutoff": cutoff, "limit": limit})
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return 0, 0
        cursor.execute(_FINALIZE_LABELS, {"ids": ids})
        cursor.execute(_INSERT_NEGATIVES, {"ids": ids})
        negatives = cursor.rowcount
    direct_labels_finalised(request_ids=ids)
    counters_add(values={"windows_closed": len(ids), "labels_negative_closed": negatives}, now=now)
    return len(ids), negatives


@transaction.atomic
def _orphan_chunk(*, now: datetime, limit: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(orphan_ttl) FROM feedback_labelrule WHERE is_active")
        ttl = cursor.fetchone()[0]
        if ttl is None:  # no rule at all: nothing could ever join, so nothing has waited "too long" yet
            return 0
        cursor.execute(_ORPHAN_CHUNK, {"cutoff": now - ttl, "limit": limit})
        cursor.execute(_ORPHAN_EVENTS)
        orphans = cursor.rowcount
    counters_add(values={"feedback_orphan": orphans}, now=now)
    return orphans


def windows_close_due(
    *, now: datetime | None = None, watermark: datetime | None | object = WATERMARK_FROM_CONSUMER, chunk: int = 5000
) -> CloseOutcome:
    """Close every window whose window + grace has passed on the wall clock and on the watermark: final
    labels, negatives for the silent ones. `watermark` defaults to the consumer's low watermark on the
    feedback topic (None: unknown, nothing closes); tests that feed the handler directly pass it.

    The orphan TTL is the longest one among active rules, since an early event's model is unknown.
    Each chunk is its own transaction, so a long backlog never holds locks for long.
    """
    now = now or timezone.now()
    if watermark is WATERMARK_FROM_CONSUMER:
        watermark = feedback_low_watermark()
    outcome = CloseOutcome(watermark=watermark)
    while watermark is not None:
        closed, negatives = _close_chunk(now=now, cutoff=min(now, watermark), limit=chunk)
        outcome.closed += closed
        outcome.negatives += negatives
        if closed < chunk:
            break
    with connection.cursor() as cursor:
        cursor.execute(_HELD, {"now": now})
        outcome.held = cursor.fetchone()[0]
    outcome.orphan_events = _orphan_chunk(now=now, limit=chunk)
    return outcome
