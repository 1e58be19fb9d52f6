"""Per-minute counters (one write path). Rows are upserted in name order so two consumers never deadlock."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction


@transaction.atomic(savepoint=False)
def counters_add(*, values: dict[str, int], now: datetime) -> None:
    items = sorted((name, n) for name, n in values.items() if n)
    if not items:
        return
    minute = now.replace(second=0, microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO feedback_feedbackcounter (minute, name, value)
            SELECT %s, name, n FROM unnest(%s::text[], %s::bigint[]) AS x(name, n) ORDER BY name
            ON CONFLICT (minute, name) DO UPDATE SET value = feedback_feedbackcounter.value + EXCLUDED.value
            """,
            [minute, [name for name, _ in items], [n for _, n in items]],
        )
