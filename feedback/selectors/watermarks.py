"""The event-time low watermark of the feedback topic: how far the feedback-join consumer has read, in event
time, on every partition (docs/adr/0019-event-time-watermarks.md)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone

from feedback import conf as feedback_conf


def feedback_group() -> str:
    from ingestion.conf import consumer_settings

    return str(consumer_settings()["feedback-join"]["group"])


# A partition's event time as the low watermark counts it: what it has read, or where it was caught up
# (less the idle lateness), whichever is later. NULL when it has neither figure.
_EFFECTIVE = "greatest(event_time_max, caught_up_at - make_interval(secs => %s))"


def feedback_low_watermark(*, group: str | None = None, topic: str | None = None) -> datetime | None:
    """min over the feedback topic's partitions of greatest(latest event time read, last caught up - lateness).

    None when the consumer has recorded no partition of the topic, or one partition has neither figure yet:
    then no window may close on event time (nothing is known about what is still unread).
    """
    lateness = feedback_conf.idle_partition_lateness_s()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*), bool_or(w IS NULL), min(w) FROM (
                SELECT {_EFFECTIVE} AS w FROM ingestion_consumeroffset WHERE "group" = %s AND topic = %s
            ) x
            """,
            [lateness, group or feedback_group(), topic or feedback_conf.feedback_topic()],
        )
        partitions, any_unknown, low = cursor.fetchone()
    if not partitions or any_unknown:
        return None
    return low


def feedback_partition_watermarks(*, group: str | None = None) -> list[dict]:
    """Per partition of the feedback topic: offsets, event time read, caught-up time (health page, API)."""
    from ingestion.models import ConsumerOffset

    return list(
        ConsumerOffset.objects.filter(group=group or feedback_group(), topic=feedback_conf.feedback_topic())
        .order_by("partition")
        .values("partition", "committed_offset", "highwater", "event_time_max", "caught_up_at", "updated_at")
    )


def feedback_partition_event_times(
    *, now: datetime | None = None, group: str | None = None, topic: str | None = None
) -> dict:
    """Per partition of the feedback topic, the term the low watermark is the minimum of, and which one holds it.

    So label-ops can see why windows are not closing: a partition far behind the wall clock (lagging or
    stopped) holds the watermark back; one without any figure blocks event-time closing altogether.
    `behind_s` is now - effective event time; `source` says which figure made it ("events" read, or
    "caught_up" minus the idle lateness).
    """
    now = now or timezone.now()
    lateness = feedback_conf.idle_partition_lateness_s()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT partition, committed_offset, highwater, event_time_max, caught_up_at, {_EFFECTIVE} AS w
            FROM ingestion_consumeroffset WHERE "group" = %s AND topic = %s ORDER BY partition
            """,
            [lateness, group or feedback_group(), topic or feedback_conf.feedback_topic()],
        )
        fetched = cursor.fetchall()
    known = [row[5] for row in fetched]
    low = min(known) if known and None not in known else None
    rows = []
    for partition, committed, highwater, event_time_max, caught_up_at, effective in fetched:
        source = None
        if effective is not None:
            source = "events" if event_time_max is not None and effective == event_time_max else "caught_up"
        rows.append(
            {
                "partition": partition,
                "committed_offset": committed,
                "highwater": highwater,
                "lag": None if highwater is None else max(highwater - committed, 0),
                "event_time_max": event_time_max,
                "caught_up_at": caught_up_at,
                "effective": effective,
                "source": source,
                "behind_s": None if effective is None else max((now - effective).total_seconds(), 0.0),
                "holds_watermark": effective is None or (low is not None and effective == low),
            }
        )
    return {
        "low_watermark": low,
        "low_watermark_age_s": None if low is None else max((now - low).total_seconds(), 0.0),
        "lateness_s": lateness,
        "partitions": rows,
        "unknown": [row["partition"] for row in rows if row["effective"] is None],
    }
