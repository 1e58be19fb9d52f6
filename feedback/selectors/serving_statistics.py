"""Reads of serving statistics: windows merged from their partial rows, rolled up to any grain."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from feedback.models import ServingStatistics
from feedback.statistics.profile import Profile


def serving_windows(
    *, model: str, since: datetime, until: datetime, grain_seconds: int | None = None
) -> list[tuple[datetime, Profile]]:
    """[(window start, merged profile)] in time order; with `grain_seconds` (3600, 86400) windows roll up."""
    rows = (
        ServingStatistics.objects.filter(model=model, window_start__gte=since, window_start__lt=until)
        .order_by("window_start", "id")
        .values_list("window_start", "statistics")
        .iterator(chunk_size=500)
    )
    merged: dict[datetime, Profile] = {}
    for start, blob in rows:
        if grain_seconds:
            epoch = int(start.timestamp())
            start = datetime.fromtimestamp(epoch - epoch % grain_seconds, tz=start.tzinfo)
        profile = Profile.from_bytes(blob)
        if start in merged:
            merged[start].merge(profile)
        else:
            merged[start] = profile
    return sorted(merged.items(), key=lambda kv: kv[0])


def serving_models() -> list[str]:
    return sorted(ServingStatistics.objects.values_list("model", flat=True).distinct())


def serving_window_seconds(*, model: str) -> int:
    row = ServingStatistics.objects.filter(model=model).order_by("-window_start").values_list("window_seconds").first()
    return int(row[0]) if row else 300


def direct_label_positive_rates(
    *, model: str, since: datetime, until: datetime, window_seconds: int
) -> dict[tuple[str, datetime], tuple[int, int]]:
    """{(model version, window start): (positives, labels)} of final current direct labels, by the request's window.

    Final only: while a window is open its positives exist and its negatives do not yet (they are made when
    the window closes), so an open window's rate would always look too high. Negatives are counted as
    stored, after downsampling, as the dataset rows of the reference are.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT model_version, date_bin(make_interval(secs => %(s)s), window_start, 'epoch'::timestamptz) AS w,
                   count(*) FILTER (WHERE label > 0), count(*)
            FROM feedback_directlabel
            WHERE model = %(model)s AND is_current AND is_final
              AND window_start >= %(since)s AND window_start < %(until)s
            GROUP BY 1, 2
            """,
            {"s": window_seconds, "model": model, "since": since, "until": until},
        )
        return {(version, start): (int(pos), int(n)) for version, start, pos, n in cursor.fetchall()}
