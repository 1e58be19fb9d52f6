"""Next-task and submit latency with many items and many raters, on PostgreSQL.

    .venv/bin/python bench/assignment.py --items 1000000 --raters 100 --workers 16 --rounds 20

Uses its own database (default labeling_bench, created and migrated if missing) on the server in
DATABASE_URL. Raters are served by `--workers` processes (each with one database connection, like a web
server's worker pool); every worker cycles through its share of the raters, calling the real services
(`assignment_lease_next`, then `annotation_submit`) and timing each call. Prints p50/p95/p99 per call,
the plan of the next-item query, and (with --ahead K) the latency for a rater who has already labeled
the top K open items, which is the case the NOT EXISTS anti-join has to walk past.

With --adaptive the same invocation then switches the project to adaptive overlap (--adaptive-min/max/target)
and, with --priority-spread N, gives every item a random priority in [0, N) (the spread of an uncertainty
order), resets the work, and measures again: the two runs are printed side by side. Raters answer the
first category 80% of the time and a random one otherwise, in both runs, so some adaptive items ask for more.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROJECT = "bench-assignment"


def _database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labeling")
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup_django(database: str) -> None:
    url = _database_url(database)
    _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<22} n={len(values):>6}  p50={_pct(values, 0.50):7.2f} ms  p95={_pct(values, 0.95):7.2f} ms  "
        f"p99={_pct(values, 0.99):7.2f} ms  mean={statistics.fmean(values):7.2f} ms  max={max(values):8.2f} ms"
    )


def _prepare(args) -> tuple[int, list[int]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from tqdm import tqdm

    from labeling.models import Annotation, Assignment, InstructionAcknowledgement, Item, Project
    from labeling.services.instructions import instructions_acknowledge, instructions_publish
    from labeling.services.items import items_import
    from labeling.services.projects import membership_add, project_create

    call_command("migrate", verbosity=0)
    project = Project.objects.filter(name=PROJECT).first()
    if project is not None and (args.fresh or Item.objects.filter(project=project).count() != args.items + args.gold):
        print("dropping the previous bench project ...", flush=True)
        with connection.cursor() as cursor:
            for table in ("labeling_annotation", "labeling_assignment"):
                cursor.execute(f"DELETE FROM {table} WHERE project_id = %s", [project.pk])
        project.delete()
        project = None
    if project is None:
        project = project_create(
            name=PROJECT,
            label_type="single",
            categories=["pos", "neg", "neutral"],
            overlap=args.overlap,
            lease_seconds=600,
            pause_fast_share_above=None,
            pause_gold_accuracy_below=None,
        )
        if args.gold:
            items_import(
                project=project,
                records=(
                    {
                        "external_id": f"g{i}",
                        "payload": {"text": f"bench item g{i}"},
                        "is_gold": True,
                        "gold_value": "pos",
                    }
                    for i in range(args.gold)
                ),
            )
        instructions_publish(project=project, body="Sentiment of the text.")
        started = time.perf_counter()
        records = (
            {"external_id": f"b{i}", "payload": {"text": f"bench item {i}"}, "priority": i % 3}
            for i in range(args.items)
        )
        with tqdm(total=args.items, desc="import", unit=" items") as bar:
            result = items_import(project=project, records=records, progress=bar.update)
        took = time.perf_counter() - started
        print(f"imported {result.created} items in {took:.1f} s ({result.created / took:,.0f} items/s)", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE labeling_item")
    else:
        # Reset the work from a previous run so every run starts from the same state (fixed overlap, priorities
        # as imported: an --adaptive run changed both).
        Project.objects.filter(pk=project.pk).update(overlap_policy="fixed")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM labeling_itemoverlapdecision WHERE project_id = %s", [project.pk])
            cursor.execute(
                "UPDATE labeling_item SET priority = substring(external_id from 2)::int %% 3 "
                "WHERE project_id = %s AND NOT is_gold AND priority <> substring(external_id from 2)::int %% 3",
                [project.pk],
            )
            cursor.execute("DELETE FROM labeling_annotation WHERE project_id = %s", [project.pk])
            cursor.execute("DELETE FROM labeling_assignment WHERE project_id = %s", [project.pk])
            cursor.execute(
                "UPDATE labeling_item SET slots_open = %s, annotation_count = 0 WHERE project_id = %s "
                "AND (slots_open <> %s OR annotation_count <> 0)",
                [project.overlap, project.pk, project.overlap],
            )
            cursor.execute(
                "UPDATE labeling_projectmembership SET queue_priority = NULL, queue_key = NULL, queue_item_id = NULL "
                "WHERE project_id = %s",
                [project.pk],
            )
            cursor.execute("VACUUM ANALYZE labeling_item")
    users = get_user_model().objects
    raters = []
    for i in range(args.raters + 1):  # the extra one is the "ahead" rater
        user, _ = users.get_or_create(username=f"bench-rater-{i}")
        membership_add(project=project, user=user)
        if not InstructionAcknowledgement.objects.filter(user=user, instruction_version__project=project).exists():
            instructions_acknowledge(project=project, user=user)
        raters.append(user.pk)
    Project.objects.filter(pk=project.pk).update(gold_ratio=args.gold_ratio)
    assert not Assignment.objects.filter(project=project).exists()
    assert not Annotation.objects.filter(project=project).exists()
    return project.pk, raters


def _worker(project_id: int, rater_ids: list[int], rounds: int, think_ms: float, seed: int, queue) -> None:
    """Serve this share of the raters. With think time, each rater waits ~think_ms (exponential) after
    every submit, as a person reading the next item would; without it, the worker runs flat out.
    Each rater's first task is a warm-up (connection, caches) and is not timed."""
    import heapq
    import random

    from django.contrib.auth import get_user_model
    from django.db import connection

    import labeling.services.annotations as annotations
    from labeling.models import Project
    from labeling.services.annotations import annotation_submit
    from labeling.services.assignment import assignment_lease_next

    annotations._resolve_later = lambda item_id: None  # resolution runs in a Celery worker, not here
    connection.close()
    rng = random.Random(seed)
    project = Project.objects.get(pk=project_id)
    raters = {r.pk: r for r in get_user_model().objects.filter(pk__in=rater_ids)}
    now = time.perf_counter()
    due = [(now + (rng.expovariate(1 / think_ms) / 1000 if think_ms else 0), pk, 0) for pk in raters]
    heapq.heapify(due)
    next_ms, submit_ms, empty = [], [], 0
    while due:
        at, pk, done = heapq.heappop(due)
        wait = at - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        rater = raters[pk]
        timed = done > 0
        t0 = time.perf_counter()
        lease = assignment_lease_next(project=project, rater=rater)
        t1 = time.perf_counter()
        if timed:
            next_ms.append((t1 - t0) * 1000)
        if lease is None:
            empty += 1
        else:
            value = "pos" if rng.random() < 0.8 else rng.choice(["pos", "neg", "neutral"])
            annotation_submit(assignment_id=lease.pk, rater=rater, value=value, time_spent_ms=5000)
            if timed:
                submit_ms.append((time.perf_counter() - t1) * 1000)
        if done + 1 < rounds + 1:
            pause = rng.expovariate(1 / think_ms) / 1000 if think_ms else 0
            heapq.heappush(due, (time.perf_counter() + pause, pk, done + 1))
    connection.close()
    queue.put((next_ms, submit_ms, empty))


def _explain(project_id: int, rater_id: int, which: str) -> str:
    """EXPLAIN ANALYZE one step of the regular pick ("head" window or "full" walk), rolled back."""
    from django.db import connection, transaction

    from labeling.services import assignment

    sql = {"head": assignment._HEAD_SQL, "full": assignment._NEXT_ITEM_SQL}[which]
    params = {
        "project": project_id,
        "rater": rater_id,
        "window": assignment.HEAD_WINDOW,
        "candidates": assignment.HEAD_CANDIDATES,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        plan = "\n".join("    " + row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def _ahead(project_id: int, rater_id: int, k: int, calls: int) -> list[float]:
    """Give one rater K submitted labels on the top K open items (others have not caught up), then time
    that rater's next task. Each call is rolled back, so every call walks the same K rows."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from labeling.models import Project
    from labeling.services.assignment import assignment_lease_next

    project = Project.objects.get(pk=project_id)
    rater = get_user_model().objects.get(pk=rater_id)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH top AS (
                SELECT id FROM labeling_item
                WHERE project_id = %(p)s AND slots_open > 0 AND NOT is_gold AND NOT is_exam AND NOT is_practice
                  AND NOT EXISTS (SELECT 1 FROM labeling_assignment a WHERE a.item_id = labeling_item.id
                                  AND a.rater_id = %(r)s)
                ORDER BY priority DESC, queue_key, id LIMIT %(k)s
            )
            INSERT INTO labeling_assignment (project_id, item_id, rater_id, status, leased_at, expires_at,
                                             lease_count, closed_at, skip_reason)
            SELECT %(p)s, id, %(r)s, 'submitted', now(), now(), 1, now(), '' FROM top
            RETURNING item_id
            """,
            {"p": project_id, "r": rater_id, "k": k},
        )
        taken = [row[0] for row in cursor.fetchall()]
        # What the lease service records as it hands those items out: how far this rater got in the queue.
        cursor.execute(
            "UPDATE labeling_projectmembership m SET queue_priority = i.priority, queue_key = i.queue_key, "
            "queue_item_id = i.id FROM (SELECT * FROM labeling_item WHERE id = ANY(%s) "
            "ORDER BY priority, queue_key DESC, id DESC LIMIT 1) i WHERE m.project_id = %s AND m.user_id = %s",
            [taken, project_id, rater_id],
        )
        cursor.execute("ANALYZE labeling_assignment")
    timings = []
    for _ in range(calls):
        with transaction.atomic():
            t0 = time.perf_counter()
            assignment_lease_next(project=project, rater=rater)
            timings.append((time.perf_counter() - t0) * 1000)
            transaction.set_rollback(True)
    return timings


def _measure(project_id: int, raters: list[int], args, workers: int) -> tuple[list[float], list[float], int, float]:
    """One timed run: `workers` processes serve the raters; returns next and submit timings, empties, wall."""
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    shares = [raters[i : args.raters : workers] for i in range(workers)]
    procs = [
        ctx.Process(target=_worker, args=(project_id, share, args.rounds, args.think_ms, n, queue))
        for n, share in enumerate(shares)
    ]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    wall = time.perf_counter() - started
    next_ms = [v for r in results for v in r[0]]
    submit_ms = [v for r in results for v in r[1]]
    return next_ms, submit_ms, sum(r[2] for r in results), wall


def _switch_adaptive(project_id: int, raters: list[int], args) -> None:
    """Turn the bench project adaptive (and spread priorities), with the work of the previous run undone."""
    from django.db import connection

    from labeling.models import Project

    Project.objects.filter(pk=project_id).update(
        overlap_policy="adaptive",
        overlap_min=args.adaptive_min,
        overlap_max=args.adaptive_max,
        overlap_target=args.adaptive_target,
    )
    with connection.cursor() as cursor:
        for table in ("labeling_itemoverlapdecision", "labeling_annotation", "labeling_assignment"):
            cursor.execute(f"DELETE FROM {table} WHERE project_id = %s", [project_id])
        priority = "floor(random() * %(spread)s)::int" if args.priority_spread else "priority"
        cursor.execute(
            f"UPDATE labeling_item SET slots_open = %(min)s, annotation_count = 0, priority = {priority} "
            "WHERE project_id = %(p)s AND NOT is_gold",
            {"min": args.adaptive_min, "p": project_id, "spread": args.priority_spread},
        )
        cursor.execute(
            "UPDATE labeling_projectmembership SET queue_priority = NULL, queue_key = NULL, queue_item_id = NULL "
            "WHERE project_id = %s",
            [project_id],
        )
        cursor.execute("VACUUM ANALYZE labeling_item")
        cursor.execute("VACUUM ANALYZE labeling_assignment")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--raters", type=int, default=100)
    parser.add_argument("--workers", type=int, default=16, help="concurrent database connections")
    parser.add_argument("--rounds", type=int, default=20, help="timed next+submit pairs per rater (after 1 warm-up)")
    parser.add_argument(
        "--think-ms", type=float, default=0, help="mean pause of a rater between tasks (0: closed loop, flat out)"
    )
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--gold", type=int, default=0, help="gold items besides --items (imported after them)")
    parser.add_argument("--gold-ratio", type=float, default=0.0, help="the project's gold ratio for the run")
    parser.add_argument("--ahead", type=int, default=20_000, help="top items one rater already labeled (0: skip)")
    parser.add_argument("--database", default="labeling_bench")
    parser.add_argument("--fresh", action="store_true", help="re-import the items even if they are there")
    parser.add_argument("--adaptive", action="store_true", help="then measure again with adaptive overlap on")
    parser.add_argument("--adaptive-min", type=int, default=2)
    parser.add_argument("--adaptive-max", type=int, default=5)
    parser.add_argument("--adaptive-target", type=float, default=0.95)
    parser.add_argument(
        "--priority-spread", type=int, default=0, help="with --adaptive: random item priorities in [0, N)"
    )
    args = parser.parse_args()

    _setup_django(args.database)

    project_id, raters = _prepare(args)
    workers = min(args.workers, args.raters)
    print(
        f"{args.items:,} items (+{args.gold:,} gold at ratio {args.gold_ratio}), {args.raters} raters over "
        f"{workers} worker processes, {args.rounds} rounds",
        flush=True,
    )
    print("head-window plan, fresh rater:\n" + _explain(project_id, raters[0], "head"), flush=True)

    next_ms, submit_ms, empty, wall = _measure(project_id, raters, args, workers)
    print(_summary("next task", next_ms))
    print(_summary("submit", submit_ms))
    pairs = len(submit_ms) + args.raters  # the warm-up pairs ran in the same wall time
    print(f"{pairs} next+submit pairs in {wall:.1f} s = {pairs / wall:,.1f} pairs/s; {empty} empty")

    if args.ahead:
        ahead_rater = raters[-1]
        timings = _ahead(project_id, ahead_rater, args.ahead, calls=100)
        print(_summary(f"next, {args.ahead:,} ahead", timings))
        print(f"head-window plan for that rater:\n{_explain(project_id, ahead_rater, 'head')}")
        full = _explain(project_id, ahead_rater, "full")
        print(f"full-walk plan for that rater (the walk its queue position avoids):\n{full}")

    if args.adaptive:
        _switch_adaptive(project_id, raters, args)
        spread = f", priorities spread over [0, {args.priority_spread})" if args.priority_spread else ""
        print(
            f"\nadaptive overlap (min {args.adaptive_min}, max {args.adaptive_max}, target {args.adaptive_target})"
            f"{spread}:",
            flush=True,
        )
        print("head-window plan, fresh rater:\n" + _explain(project_id, raters[0], "head"), flush=True)
        a_next, a_submit, a_empty, a_wall = _measure(project_id, raters, args, workers)
        print(_summary("next task (adaptive)", a_next))
        print(_summary("submit (adaptive)", a_submit))
        a_pairs = len(a_submit) + args.raters
        print(f"{a_pairs} next+submit pairs in {a_wall:.1f} s = {a_pairs / a_wall:,.1f} pairs/s; {a_empty} empty")
        print(
            f"next-task p99: fixed {_pct(next_ms, 0.99):.2f} ms, adaptive {_pct(a_next, 0.99):.2f} ms; "
            f"submit p99: fixed {_pct(submit_ms, 0.99):.2f} ms, adaptive {_pct(a_submit, 0.99):.2f} ms"
        )


if __name__ == "__main__":
    main()
