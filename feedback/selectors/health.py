"""Health figures of direct labeling, for the dashboard and the staff API. Reads only."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from feedback.models import FeedbackCounter
from feedback.selectors.watermarks import feedback_low_watermark

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
        cursor.execute("SELECT count(*) FROM feedback_inferencerequest WHERE state = 'open' AND close_at <= %s", [now])
        held = cursor.fetchone()[0]
    watermark = feedback_low_watermark()
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
