"""Offsets each consumer group has processed, written in the batch's transaction; used for lag figures and
for the event-time watermark that decides when a window may close (docs/adr/0019-event-time-watermarks.md)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction


@transaction.atomic(savepoint=False)  # 2 round trips fewer per batch; it never catches errors
def consumer_offsets_record(
    *,
    group: str,
    positions: dict[tuple[str, int], tuple[int, int | None]],
    now: datetime,
    event_times: dict[tuple[str, int], datetime] | None = None,
) -> None:
    """positions: (topic, partition) -> (next offset to read, high-water mark or None).

    event_times: the latest event time read per partition in this batch. A partition whose next offset has
    reached its high-water mark was caught up at `now`. Both only move forward.
    """
    if not positions:
        return
    event_times = event_times or {}
    items = sorted(positions.items())
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ingestion_consumeroffset
                (\"group\", topic, partition, committed_offset, highwater, event_time_max, caught_up_at, updated_at)
            SELECT %s, t, p, o, h, e, CASE WHEN h IS NOT NULL AND o >= h THEN %s::timestamptz END, %s
            FROM unnest(%s::text[], %s::int[], %s::bigint[], %s::bigint[], %s::timestamptz[]) AS x(t, p, o, h, e)
            ON CONFLICT (\"group\", topic, partition) DO UPDATE SET
                committed_offset = greatest(ingestion_consumeroffset.committed_offset, EXCLUDED.committed_offset),
                highwater = coalesce(EXCLUDED.highwater, ingestion_consumeroffset.highwater),
                event_time_max = greatest(ingestion_consumeroffset.event_time_max, EXCLUDED.event_time_max),
                caught_up_at = greatest(ingestion_consumeroffset.caught_up_at, EXCLUDED.caught_up_at),
                updated_at = EXCLUDED.updated_at
            """,
            [
                group,
                now,
                now,
                [t for (t, _), _ in items],
                [p for (_, p), _ in items],
                [o for _, (o, _) in items],
                [h for _, (_, h) in items],
                [event_times.get(key) for key, _ in items],
            ],
        )


@transaction.atomic(savepoint=False)
def consumer_offsets_restart(*, group: str, topics: list[str], now: datetime) -> None:
    """A topic was recreated: its offsets start at 0 again, so the recorded position and high-water mark
    no longer mean anything (lag would read negative). The event time read so far and the last caught-up
    time stay: the watermark only moves forward, and what was read before the recreation was read."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE ingestion_consumeroffset
            SET committed_offset = 0, highwater = NULL, updated_at = %s
            WHERE "group" = %s AND topic = ANY(%s)
            """,
            [now, group, topics],
        )
