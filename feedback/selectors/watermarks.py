"""The event-time low watermark of the feedback topic: how far the feedback-join consumer has read, in event
time, on every partition (docs/adr/0019-event-time-watermarks.md)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from feedback import conf as feedback_conf


def feedback_group() -> str:
    from ingestion.conf import consumer_settings

    return str(consumer_settings()["feedback-join"]["group"])


def feedback_low_watermark(*, group: str | None = None, topic: str | None = None) -> datetime | None:
    """min over the feedback topic's partitions of greatest(latest event time read, last caught up - lateness).

    None when the consumer has recorded no partition of the topic, or one partition has neither figure yet:
    then no window may close on event time (nothing is known about what is still unread).
    """
    lateness = feedback_conf.idle_partition_lateness_s()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*), bool_or(w IS NULL), min(w) FROM (
                SELECT greatest(event_time_max, caught_up_at - make_interval(secs => %s)) AS w
                FROM ingestion_consumeroffset WHERE "group" = %s AND topic = %s
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
