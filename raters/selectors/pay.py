"""Effective pay per hour from server-measured time (docs/adr/0025-pay-per-hour-and-payouts.md).

Time that counts: every lease of the project that the rater closed by submitting or skipping (regular
and gold alike), from the lease being granted to the close, which is within the lease's length; and every
rework of a rejected label (docs/adr/0024-review-pass-and-rework.md), unpaid, from the moment it was first
shown to the corrected submit. An expired lease counts nothing, nor does one skipped after it expired, nor
a rework that took longer than the project's lease: the server cannot tell a rater who worked from one who
walked away, and counting it would pay an idle task under an hourly floor.
Client-reported time is never read. Money: every ledger entry of the project in the window (pay, gold
bonus, adjustments, top-ups).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection
from django.db.models import Sum

from labeling.models import AssignmentStatus, Project
from raters.models import EarningsEntry, PayPolicy

MS_PER_HOUR = 3_600_000
CENT = Decimal("0.01")

_WORKED_SQL = """
SELECT rater_id, COUNT(*), COALESCE(SUM(ms), 0), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)
FROM (
    SELECT rater_id,
           CASE WHEN closed_at > expires_at THEN 0  -- skipped after it had expired: an idle lease
                ELSE GREATEST(0, (EXTRACT(EPOCH FROM closed_at - leased_at) * 1000))::bigint END AS ms
    FROM labeling_assignment
    WHERE project_id = %(project)s AND status IN (%(submitted)s, %(skipped)s)
      AND closed_at >= %(since)s AND closed_at < %(until)s
    UNION ALL
    SELECT a.rater_id,
           CASE WHEN r.rework_done_at - r.rework_served_at > make_interval(secs => p.lease_seconds) THEN 0
                ELSE GREATEST(0, (EXTRACT(EPOCH FROM r.rework_done_at - r.rework_served_at) * 1000))::bigint
           END AS ms  -- a rework kept open past a lease's length is idle, like an expired lease
    FROM labeling_review r
    JOIN labeling_annotation a ON a.id = r.annotation_id
    JOIN labeling_project p ON p.id = r.project_id
    WHERE r.project_id = %(project)s AND r.rework_served_at IS NOT NULL
      AND r.rework_done_at >= %(since)s AND r.rework_done_at < %(until)s
) t
{rater}
GROUP BY rater_id
"""

_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
_FAR = datetime.fromisoformat("9999-01-01T00:00:00+00:00")


@dataclass(frozen=True)
class WorkedTime:
    tasks: int
    worked_ms: int
    median_task_ms: int


def worked_time(
    *, project: Project, since: datetime | None = None, until: datetime | None = None, rater_id: int | None = None
) -> dict[int, WorkedTime]:
    """Server-measured working time per rater for leases closed in [since, until)."""
    params = {
        "project": project.pk,
        "submitted": AssignmentStatus.SUBMITTED,
        "skipped": AssignmentStatus.SKIPPED,
        "since": since or _EPOCH,
        "until": until or _FAR,
        "rater": rater_id,
    }
    sql = _WORKED_SQL.format(rater="WHERE rater_id = %(rater)s" if rater_id is not None else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {r: WorkedTime(tasks=int(n), worked_ms=int(ms), median_task_ms=int(med or 0)) for r, n, ms, med in rows}


def hourly_rate(*, paid_cents: int, worked_ms: int) -> Decimal | None:
    """Currency units per hour, to the cent (half-even). None without measured time."""
    if worked_ms <= 0:
        return None
    return (Decimal(paid_cents) * MS_PER_HOUR / Decimal(worked_ms) / 100).quantize(CENT, rounding=ROUND_HALF_EVEN)


def floor_top_up_cents(*, floor_cents: int, worked_ms: int, earned_cents: int) -> int:
    """What lifts `earned_cents` to the floor for `worked_ms`: integer maths, rounded up to the cent."""
    required = -(-floor_cents * worked_ms // MS_PER_HOUR)  # ceil: the rater never ends a cent below the floor
    return max(0, required - earned_cents)


def _floor(policy: PayPolicy) -> Decimal | None:
    if policy.hourly_floor_cents is None:
        return None
    return (Decimal(policy.hourly_floor_cents) / 100).quantize(CENT)


def pay_policy_for(*, project: Project) -> PayPolicy:
    """The project's policy, or the default (USD, no floor) unsaved."""
    return PayPolicy.objects.filter(project=project).first() or PayPolicy(project=project)


@dataclass(frozen=True)
class RaterPay:
    user_id: int
    name: str
    tasks: int
    worked_ms: int
    median_task_ms: int
    paid_cents: int
    hourly: Decimal | None


def _paid(*, project: Project, since, until, user_id: int | None = None) -> dict[int, int]:
    entries = EarningsEntry.objects.filter(
        project=project, created_at__gte=since or _EPOCH, created_at__lt=until or _FAR
    )
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    return {u: int(t) for u, t in entries.values("user_id").annotate(t=Sum("amount_cents")).values_list("user_id", "t")}


def rater_pay(
    *, project: Project, since: datetime | None = None, until: datetime | None = None, user_id: int | None = None
) -> list[RaterPay]:
    """Each rater's paid money, server-measured time and effective pay per hour on the project."""
    from django.contrib.auth import get_user_model

    time = worked_time(project=project, since=since, until=until, rater_id=user_id)
    paid = _paid(project=project, since=since, until=until, user_id=user_id)
    ids = sorted(set(time) | set(paid))
    users = get_user_model().objects.filter(pk__in=ids).select_related("rater_profile")
    names = {u.pk: getattr(getattr(u, "rater_profile", None), "pseudonym", None) or u.get_username() for u in users}
    rows = []
    for uid in ids:
        t = time.get(uid, WorkedTime(0, 0, 0))
        cents = paid.get(uid, 0)
        rows.append(
            RaterPay(
                user_id=uid,
                name=names.get(uid, str(uid)),
                tasks=t.tasks,
                worked_ms=t.worked_ms,
                median_task_ms=t.median_task_ms,
                paid_cents=cents,
                hourly=hourly_rate(paid_cents=cents, worked_ms=t.worked_ms),
            )
        )
    return rows


@dataclass(frozen=True)
class ProjectPay:
    currency: str
    floor: Decimal | None
    raters: list[RaterPay]
    median_hourly: Decimal | None
    p10_hourly: Decimal | None
    p90_hourly: Decimal | None
    project_hourly: Decimal | None  # all money / all time
    below_floor: int
    worked_ms: int
    paid_cents: int


def _quantile(values: list[Decimal], q: float) -> Decimal | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    return Decimal(cuts[0 if q < 0.5 else -1]).quantize(CENT, rounding=ROUND_HALF_EVEN)


def project_pay(*, project: Project, since: datetime | None = None, until: datetime | None = None) -> ProjectPay:
    """Median and spread of the raters' effective pay per hour, and how many are below the floor."""
    policy = pay_policy_for(project=project)
    rows = rater_pay(project=project, since=since, until=until)
    rates = sorted(r.hourly for r in rows if r.hourly is not None)
    floor = _floor(policy)
    worked = sum(r.worked_ms for r in rows)
    paid = sum(r.paid_cents for r in rows)
    median = Decimal(statistics.median(rates)).quantize(CENT, rounding=ROUND_HALF_EVEN) if rates else None
    return ProjectPay(
        currency=policy.currency,
        floor=floor,
        raters=rows,
        median_hourly=median,
        p10_hourly=_quantile(rates, 0.1),
        p90_hourly=_quantile(rates, 0.9),
        project_hourly=hourly_rate(paid_cents=paid, worked_ms=worked),
        below_floor=sum(1 for r in rates if floor is not None and r < floor),
        worked_ms=worked,
        paid_cents=paid,
    )


def my_pay(*, user) -> list[dict]:
    """The rater's own effective pay per hour on each project they worked on (never anyone else's)."""
    from labeling.models import ProjectMembership

    out = []
    for membership in ProjectMembership.objects.filter(user=user).select_related("project").order_by("project_id"):
        project = membership.project
        rows = rater_pay(project=project, user_id=user.pk)
        if not rows:
            continue
        row = rows[0]
        policy = pay_policy_for(project=project)
        out.append(
            {
                "project": project,
                "currency": policy.currency,
                "floor": _floor(policy),
                "tasks": row.tasks,
                "worked_ms": row.worked_ms,
                "worked_minutes": round(row.worked_ms / 60_000, 1),
                "paid_cents": row.paid_cents,
                "hourly": row.hourly,
            }
        )
    return out
