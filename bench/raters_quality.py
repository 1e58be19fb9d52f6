"""Cost of the rater lifecycle on the submit path: the per-annotation quality hook and the task gate.

    .venv/bin/python bench/raters_quality.py --history 0,1000,10000 --rounds 200

Every submitted annotation runs `quality_after_annotation` (gold scoring, pay, block bonus, pause rules)
inside the submit transaction, and every lease runs `rater_task_refusal` (membership, pause,
qualification, budget with its advisory lock). Both read the rater's history on the project, so this
measures them for raters who already have `--history` annotations there. Uses its own database
(default labeling_bench_raters) on the server in DATABASE_URL. Prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labeling")
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _setup_django(database: str) -> None:
    import psycopg

    url = _database_url(database)
    parts = urlsplit(url)
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


def run(history: int, rounds: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from tqdm import tqdm

    from labeling.models import Annotation, Assignment, Item
    from labeling.services.annotations import annotation_submit
    from labeling.services.assignment import assignment_lease_next
    from labeling.services.items import items_import
    from labeling.services.projects import membership_add, project_create
    from raters.models import GoldCheck
    from raters.services.gate import rater_task_refusal
    from raters.services.quality import quality_after_annotation

    stamp = f"{history}-{time.time_ns()}"
    project = project_create(
        name=f"bench-raters-{stamp}",
        label_type="single",
        categories=["a", "b", "c"],
        overlap=1,
        gold_ratio=0.1,
        pay_per_annotation_cents=5,
        gold_bonus_cents=1,
        budget_cents=10**9,
        # The loop submits at machine speed, which the server measures; the rule is still evaluated, never met.
        pause_fast_share_above=None,
    )
    n_gold = max(10, (history + rounds) // 10)
    records = [{"external_id": f"r{i}", "payload": {"text": f"item {i}"}} for i in range(history + rounds * 2)]
    records += [
        {"external_id": f"g{i}", "payload": {"text": f"gold {i}"}, "is_gold": True, "gold_value": "a"}
        for i in range(n_gold)
    ]
    items_import(project=project, records=records)
    rater = get_user_model().objects.create_user(f"bench-{stamp}", password="x" * 12)
    membership_add(project=project, user=rater)

    # The rater's history, written in bulk (leases, annotations, gold scores) as if labeled earlier.
    now = timezone.now()
    items = list(Item.objects.filter(project=project, is_exam=False).order_by("-is_gold", "id")[:history])
    with transaction.atomic():
        assignments = Assignment.objects.bulk_create(
            [
                Assignment(project=project, item=i, rater=rater, status="submitted", leased_at=now, expires_at=now)
                for i in items
            ],
            batch_size=5000,
        )
        annotations = Annotation.objects.bulk_create(
            [
                Annotation(project=project, item=a.item, rater=rater, assignment=a, value="a", time_spent_ms=6000)
                for a in assignments
            ],
            batch_size=5000,
        )
        GoldCheck.objects.bulk_create(
            [
                GoldCheck(annotation=an, project=project, rater=rater, item=an.item, is_correct=True)
                for an in annotations
                if an.item.is_gold
            ],
            batch_size=5000,
        )
        Item.objects.filter(pk__in=[i.pk for i in items if not i.is_gold]).update(slots_open=0)

    lease_t, submit_t, hook_t, gate_t = [], [], [], []
    for _ in tqdm(range(rounds), desc=f"history {history}", unit="task", file=sys.stderr):
        t0 = time.perf_counter()
        refusal = rater_task_refusal(project=project, user=rater)
        gate_t.append(time.perf_counter() - t0)
        assert refusal is None, refusal
        t0 = time.perf_counter()
        assignment = assignment_lease_next(project=project, rater=rater)
        lease_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        annotation = annotation_submit(assignment_id=assignment.pk, rater=rater, value="a", time_spent_ms=5000)
        submit_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with transaction.atomic():  # the hook again on the same annotation: idempotent, same reads
            quality_after_annotation(annotation=annotation)
        hook_t.append(time.perf_counter() - t0)

    print(f"history {history:>7} annotations, {rounds} tasks")
    print(f"  gate (rater_task_refusal, budget set)   {_ms(gate_t)}")
    print(f"  quality_after_annotation alone          {_ms(hook_t)}")
    print(f"  assignment_lease_next (incl. gate)      {_ms(lease_t)}")
    print(f"  annotation_submit (incl. hook)          {_ms(submit_t)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", default="0,1000,10000", help="comma-separated history sizes (the scale)")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database", default="labeling_bench_raters")
    args = parser.parse_args()
    _setup_django(args.database)
    for history in [int(h) for h in args.history.split(",") if h.strip()]:
        run(history, args.rounds)


if __name__ == "__main__":
    main()
