"""The one write path of serving statistics: append per batch, compact closed windows.

`serving_statistics_record` runs inside the consumer's batch transaction, after privacy redaction, and
only INSERTs (one partial row per model and window of the batch), so any number of consumer processes
write without a lock and a rolled-back batch takes its statistics with it. `serving_statistics_compact`
merges the partial rows of closed windows into one row per window under a per-model advisory lock; it
deletes exactly the rows it read, so a late partial row written meanwhile is kept for the next run.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from django.db import connection, transaction

from feedback import conf as feedback_conf
from feedback.models import ServingStatistics
from feedback.services.join import RequestRow
from feedback.statistics.profile import Profile, profile_build, profiles_merge

COMPACT_BATCH = 500


def window_floor(moment: datetime, seconds: int) -> datetime:
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=moment.tzinfo)


@dataclass(frozen=True, slots=True)
class StatisticsPartial:
    """One model-and-window partial row, built but not yet stored."""

    model: str
    window_start: datetime
    window_seconds: int
    rows: int
    statistics: bytes


def serving_statistics_partials(*, requests: list[RequestRow], now: datetime) -> list[StatisticsPartial]:
    """The CPU half of `serving_statistics_record`: no database, so the consumer builds it on its polling
    thread while the previous batch is being written (the write then only inserts the blobs)."""
    if not feedback_conf.serving_statistics_enabled():
        return []
    seconds = feedback_conf.serving_statistics_window_seconds()
    # Grouped on integer epoch seconds (one datetime per window, not per request); the first copy of a
    # request in the batch counts, as in the join.
    groups: dict[tuple[str, int], dict[str, dict]] = defaultdict(dict)
    for row in requests:
        if row.state != "request" or row.features_json is None:
            continue
        epoch = int((row.served_at or now).timestamp())
        group = groups[(row.model, epoch - epoch % seconds)]
        if row.request_id not in group:
            group[row.request_id] = row.features if row.features is not None else orjson.loads(row.features_json)
    return [
        StatisticsPartial(
            model=model,
            window_start=datetime.fromtimestamp(start, tz=UTC),
            window_seconds=seconds,
            rows=len(features),
            statistics=profile_build(features.values()).to_bytes(),
        )  # fmt: skip
        for (model, start), features in sorted(groups.items())
    ]


@transaction.atomic(savepoint=False)
def serving_statistics_record(
    *, now: datetime, requests: list[RequestRow] | None = None, partials: list[StatisticsPartial] | None = None
) -> int:
    """Append this batch's statistics (request features after privacy), one row per model and window.

    `partials`: already built by `serving_statistics_partials`; otherwise they are built from `requests`.
    """
    if partials is None:
        partials = serving_statistics_partials(requests=requests or [], now=now)
    if not partials or not feedback_conf.serving_statistics_enabled():
        return 0
    ServingStatistics.objects.bulk_create(
        [
            ServingStatistics(
                model=p.model,
                window_start=p.window_start,
                window_seconds=p.window_seconds,
                rows=p.rows,
                statistics=p.statistics,
                created_at=now,
            )  # fmt: skip
            for p in partials
        ]
    )
    return len(partials)


@transaction.atomic
def serving_statistics_compact(*, model: str, before: datetime, now: datetime) -> int:
    """Merge partial rows of windows that start before `before` into one row per window; returns windows merged."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5EB5, zlib.crc32(model.encode()) - 2**31])
    partials = list(
        ServingStatistics.objects.filter(model=model, window_start__lt=before)
        .order_by("window_start", "id")
        .values_list("id", "window_start", "window_seconds", "statistics")
    )
    by_window: dict[tuple[datetime, int], list[tuple[int, bytes]]] = defaultdict(list)
    for pk, start, seconds, blob in partials:
        by_window[(start, seconds)].append((pk, blob))
    merged_windows = 0
    for (start, seconds), rows in by_window.items():
        if len(rows) < 2:
            continue
        merged: Profile = profiles_merge(Profile.from_bytes(blob) for _, blob in rows)
        ServingStatistics.objects.filter(id__in=[pk for pk, _ in rows]).delete()
        ServingStatistics.objects.create(
            model=model, window_start=start, window_seconds=seconds, rows=merged.rows,
            statistics=merged.to_bytes(), compacted=True, created_at=now,
        )  # fmt: skip
        merged_windows += 1
    return merged_windows


def serving_statistics_compact_all(*, now: datetime, grace: timedelta) -> int:
    models = ServingStatistics.objects.filter(compacted=False).values_list("model", flat=True).distinct()
    return sum(serving_statistics_compact(model=m, before=now - grace, now=now) for m in sorted(models))
