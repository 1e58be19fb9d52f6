"""Cost of the pay figures and of closing a pay period, against the ledger sum the budget already reads.

    .venv/bin/python bench/pay.py --raters 50,200 --tasks 100 --rounds 20

Builds a project where each of `--raters` raters closed `--tasks` leases, each with a 5-cent ledger entry, then times
`project_pay` (the pay page's figure: server time per lease and money per rater), `pay_period_close`
(statements, top-ups under the budget lock; rolled back after each round) and, as the reference measured
in the same run, `project_budget_snapshot` (one statement over the same ledger and leases). Uses its own
database (default labeling_bench_pay) on the server in DATABASE_URL. Prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.raters_quality import _setup_django  # noqa: E402


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms"


class _Rollback(Exception):
    pass


def run(raters: int, tasks: int, rounds: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from tqdm import tqdm

    from labeling.models import Assignment, Item
    from labeling.services.items import items_import
    from labeling.services.projects import membership_add, project_create
    from raters.models import EarningsEntry, EarningsKind
    from raters.selectors.budget import project_budget_snapshot
    from raters.selectors.pay import project_pay
    from raters.services.pay import pay_period_close, pay_period_open, pay_policy_set

    stamp = f"{raters}-{time.time_ns()}"
    project = project_create(
        name=f"bench-pay-{stamp}", label_type="single", categories=["a", "b"], overlap=raters,
        pay_per_annotation_cents=5, budget_cents=10**9,
    )  # fmt: skip
    pay_policy_set(project=project, hourly_floor_cents=900)
    items_import(
        project=project, records=[{"external_id": f"r{i}", "payload": {"text": f"t {i}"}} for i in range(tasks)]
    )
    items = list(Item.objects.filter(project=project))
    users = get_user_model().objects
    now = timezone.now()
    with transaction.atomic():
        for r in tqdm(range(raters), desc="raters", unit="rater", file=sys.stderr):
            user = users.create_user(f"bench-pay-{stamp}-{r}", password="x" * 12)
            membership_add(project=project, user=user)
            start = now - timedelta(hours=2)
            Assignment.objects.bulk_create(
                [
                    Assignment(
                        project=project, item=item, rater=user, status="submitted",
                        leased_at=start, expires_at=start + timedelta(minutes=10),
                        closed_at=start + timedelta(seconds=10 + (r + k) % 50),
                    )
                    for k, item in enumerate(items)
                ]
            )  # fmt: skip
            EarningsEntry.objects.bulk_create(
                [EarningsEntry(user=user, project=project, kind=EarningsKind.ADJUSTMENT, amount_cents=5, note="pay")
                 for _ in items]
            )  # fmt: skip
    period = pay_period_open(project=project, starts_at=now - timedelta(hours=3), ends_at=timezone.now())
    snap_t, pay_t, close_t = [], [], []
    for _ in tqdm(range(rounds), desc="rounds", unit="round", file=sys.stderr):
        t0 = time.perf_counter()
        project_budget_snapshot(project=project)
        snap_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        project_pay(project=project)
        pay_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        try:
            with transaction.atomic():
                result = pay_period_close(period_id=period.pk, actor=None)
                assert result.statements == raters
                close_t.append(time.perf_counter() - t0)
                raise _Rollback
        except _Rollback:
            pass
    print(f"{raters:>5} raters x {tasks} leases ({raters * tasks:,} leases, {raters * tasks:,} ledger entries)")
    print(f"  reference: budget snapshot  {_ms(snap_t)}")
    print(f"  pay page figure project_pay {_ms(pay_t)}")
    print(f"  pay_period_close (rolled back) {_ms(close_t)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", default="50,200")
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database", default="labeling_bench_pay")
    args = parser.parse_args()
    _setup_django(args.database)
    for raters in [int(x) for x in args.raters.split(",")]:
        run(raters, args.tasks, args.rounds)


if __name__ == "__main__":
    main()
