"""Offsets each consumer group has processed, written in the batch's transaction; used for lag figures."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction


@transaction.atomic(savepoint=False)  # 2 round trips fewer per batch; it never catches errors
def consumer_offsets_record(
    *, group: str, positions: dict[tuple[str, int], tuple[int, int | None]], now: datetime
) -> None:
    """positions: (topic, partition) -> (next offset to read, high-water mark or None)."""
    if not positions:
        return
    items = sorted(positions.items())
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ingestion_consumeroffset (\"group\", topic, partition, committed_offset, highwater, updated_at)
            SELECT %s, t, p, o, h, %s FROM unnest(%s::text[], %s::int[], %s::bigint[], %s::bigint[]) AS x(t, p, o, h)
            ON CONFLICT (\"group\", topic, partition) DO UPDATE SET
                committed_offset = greatest(ingestion_consumeroffset.committed_offset, EXCLUDED.committed_offset),
                highwater = coalesce(EXCLUDED.highwater, ingestion_consumeroffset.highwater),
                updated_at = EXCLUDED.updated_at
            """,
            [
                group,
                now,
                [t for (t, _), _ in items],
                [p for (_, p), _ in items],
                [o for _, (o, _) in items],
                [h for _, (_, h) in items],
            ],
        )
