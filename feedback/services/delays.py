"""Per-rule delay distribution of positives (delayed feedback), the one write path of DelayDistribution.

Estimator: the cohort is the requests served between `lookback` and one horizon H before now, so every one
of them has had its whole horizon to convert: no right-censoring inside the cohort (Chapelle, KDD 2014,
models the censoring instead; this trades freshness, the estimate lags by H, for an unbiased, model-free
ECDF). p = share of the cohort with a positive event within H; F = ECDF of those positives' first delays.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from feedback.models import DelayDistribution, LabelRule
from feedback.selectors.maturity import rule_horizon

MAX_CDF_POINTS = 256

_COHORT_DELAYS = """
WITH cohort AS (
    SELECT request_id, served_at FROM feedback_inferencerequest
    WHERE rule_id = %(rule)s AND state IN ('open', 'closed') AND served_at > %(since)s AND served_at <= %(until)s
), first_positive AS (
    SELECT c.request_id, min(extract(epoch FROM e.occurred_at - c.served_at)) AS delay
    FROM cohort c
    JOIN feedback_feedbackevent e ON e.request_id = c.request_id
    WHERE e.status IN ('applied', 'late_applied') AND %(positive)s::jsonb ? e.type
    GROUP BY c.request_id
)
SELECT (SELECT count(*) FROM cohort),
       coalesce(array_agg(greatest(delay, 0) ORDER BY delay) FILTER (WHERE delay <= %(horizon)s), '{}')
FROM first_positive
"""


def ecdf_points(delays: list[float], max_points: int = MAX_CDF_POINTS) -> list[list[float]]:
    """Sorted delays -> [[delay, F(delay)], ...] at up to `max_points` steps (error <= 1/max_points)."""
    n = len(delays)
    if n == 0:
        return []
    if n <= max_points:
        indexes = range(n)
    else:
        indexes = sorted({math.ceil(k * n / max_points) - 1 for k in range(1, max_points + 1)})
    points: list[list[float]] = []
    for i in indexes:
        # ties: F at a delay counts every copy of it
        while i + 1 < n and delays[i + 1] == delays[i]:
            i += 1
        if points and points[-1][0] == delays[i]:
            points[-1][1] = (i + 1) / n
        else:
            points.append([float(delays[i]), (i + 1) / n])
    return points


@transaction.atomic
def delay_distributions_estimate(
    *, now: datetime | None = None, lookback: timedelta = timedelta(days=7)
) -> list[DelayDistribution]:
    """(Re)estimate every rule that has a matured cohort; a rule without one keeps no row (no guess)."""
    now = now or timezone.now()
    out: list[DelayDistribution] = []
    for rule in LabelRule.objects.order_by("id"):
        horizon = rule_horizon(window=rule.window, grace=rule.grace, maturity_horizon=rule.maturity_horizon)
        until = now - horizon
        with connection.cursor() as cursor:
            cursor.execute(
                _COHORT_DELAYS,
                {
                    "rule": rule.id,
                    "since": until - lookback,
                    "until": until,
                    "positive": _json(list(rule.positive_events)),
                    "horizon": horizon.total_seconds(),
                },
            )
            cohort, delays = cursor.fetchone()
        if not cohort:
            DelayDistribution.objects.filter(rule=rule).delete()
            continue
        row, _ = DelayDistribution.objects.update_or_create(
            rule=rule,
            defaults={
                "computed_at": now,
                "horizon_seconds": horizon.total_seconds(),
                "cohort_requests": cohort,
                "cohort_positives": len(delays),
                "conversion_rate": len(delays) / cohort,
                "cdf": ecdf_points([float(d) for d in delays]),
            },
        )
        out.append(row)
    return out


def _json(value: object) -> str:
    import json

    return json.dumps(value)
