"""Health figures of direct labeling, for the dashboard and the staff API. Reads only."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from feedback.models import FeedbackCounter
from feedback.selectors.watermarks import feedback_partition_event_times

RATE_WINDOW = timedelta(minutes=5)


def _scalar(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0] or 0


def consumer_lag() -> list[dict]:
    """Per partition: the offset the group has processed and the last high-water mark it saw."""
    from ingestion.models import ConsumerOffset

    rows = []
    for offset in ConsumerOffset.objects.order_by("group", "topic", "partition"):
        lag = None if offset.highwater is None else max(offset.highwater - offset.committed_offset, 0)
        rows.append(
            {
                "group": offset.group,
                "topic": offset.topic,
                "partition": offset.partition,
                "committed_offset": offset.committed_offset,
                "highwater": offset.highwater,
                "lag": lag,
                "updated_at": offset.updated_at.isoformat(),
            }
        )
    return rows


def counter_series(*, names: list[str], since: datetime) -> dict[str, list[tuple[str, int]]]:
    """Per-minute values of the named counters since `since` (minutes with no traffic are absent)."""
    series: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
    rows = (
        FeedbackCounter.objects.filter(name__in=names, minute__gte=since)
        .order_by("minute")
        .values_list("name", "minute", "value")
    )
    for name, minute, value in rows:
        series[name].append((minute.isoformat(), value))
    return series


def dead_letter_reasons() -> dict[str, int]:
    from ingestion.models import DeadLetter

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reason, count(*) FROM {DeadLetter._meta.db_table} GROUP BY reason ORDER BY reason")
        return dict(cursor.fetchall())


def _serialized(row: dict) -> dict:
    """The row as JSON-able data (the health API and the dashboard's cached snapshot store it)."""
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in row.items()}


def feedback_health(*, now: datetime | None = None) -> dict:
    """Everything the dashboard shows about the join, as plain data.

    events_per_second is over the last 5 minutes of the per-minute counters; join_rate is the share of
    stored feedback events that were joined to their request (in the window or as a late correction).
    """
    now = now or timezone.now()
    since = now - RATE_WINDOW
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM feedback_feedbackevent GROUP BY status")
        statuses = dict(cursor.fetchall())
        cursor.execute("SELECT state, count(*) FROM feedback_inferencerequest GROUP BY state")
        states = dict(cursor.fetchall())
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE label > 0) FROM feedback_directlabel WHERE is_current")
        labels, positives = cursor.fetchone()
        cursor.execute(
            "SELECT coalesce(sum(value), 0) FROM feedback_feedbackcounter WHERE minute >= %s AND name IN "
            "('requests', 'requests_duplicate', 'feedback', 'feedback_duplicate', 'dead_letters')",
            [since.replace(second=0, microsecond=0)],
        )
        recent_events = int(cursor.fetchone()[0])
        event_times = feedback_partition_event_times(now=now)
        watermark = event_times["low_watermark"]
        # Past the wall deadline but not past the watermark: what the watermark holds (the others close on
        # beat's next run).
        cursor.execute(
            "SELECT count(*) FROM feedback_inferencerequest WHERE state = 'open' AND close_at <= %s"
            " AND (%s::timestamptz IS NULL OR close_at > %s)",
            [now, watermark, watermark],
        )
        held = cursor.fetchone()[0]
    events_total = sum(statuses.values())
    joined = statuses.get("applied", 0) + statuses.get("late_applied", 0)
    elapsed = (now - since.replace(second=0, microsecond=0)).total_seconds()
    dead = dead_letter_reasons()
    return {
        "generated_at": now.isoformat(),
        "lag": consumer_lag(),
        "events_per_second": round(recent_events / elapsed, 2) if elapsed else 0.0,
        "requests": {
            state: states.get(state, 0)
            for state in ("open", "closed", "awaiting", "orphaned", "unjoinable", "suppressed")
        },  # fmt: skip
        "pending_windows": states.get("open", 0),
        # Event time the consumer has read up to on every feedback partition; windows past their wall
        # deadline wait for it (docs/adr/0019-event-time-watermarks.md).
        "watermark": watermark.isoformat() if watermark else None,
        "windows_held_by_watermark": held,
        "watermark_age_s": event_times["low_watermark_age_s"],
        "idle_partition_lateness_s": event_times["lateness_s"],
        "watermark_partitions": [_serialized(row) for row in event_times["partitions"]],
        "partitions_without_event_time": event_times["unknown"],
        "pre_served": statuses.get("pre_served", 0),
        "feedback_events": statuses,
        "join_rate": round(joined / events_total, 4) if events_total else None,
        "labels_current": labels,
        "positive_rate": round(positives / labels, 4) if labels else None,
        "late": statuses.get("late_applied", 0) + statuses.get("late_ignored", 0),
        "late_applied": statuses.get("late_applied", 0),
        "late_ignored": statuses.get("late_ignored", 0),
        "orphans": statuses.get("orphan", 0),
        "pending_feedback": statuses.get("pending", 0),
        "dead_letters": sum(dead.values()),
        "dead_letter_reasons": dead,
        "series": counter_series(
            names=["requests", "feedback", "labels_written", "dead_letters", "windows_closed"],
            since=now - timedelta(hours=1),
        ),
    }
