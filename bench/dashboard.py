"""Benchmark: p95 time of every staff dashboard page on a big project.

    .venv/bin/python bench/dashboard.py --annotations 1000000 --raters 1000

Uses its own database (default `labeling_bench_dashboard`, dropped and re-created on the server of
DATABASE_URL; `--reuse` keeps a seeded one). Seeds with COPY: one project, `--raters` raters,
annotations / `--overlap` items, `--annotations` annotations over `--days` days and three
instructions versions (simulated raters with individual accuracy and speed), a majority-vote
resolution per item (set-based INSERT ... SELECT), an earnings-ledger entry per annotation when the
rater lifecycle is installed, consented attributes for every rater, two dataset versions with 3% of
labels changed between them, and `--traffic` simulated inference requests with their feedback fed
minute by minute through the direct-labeling join (bench/traffic.py). Then it runs the precompute
service (what Celery beat does) and times `--requests` GETs of every page with Django's test client
signed in as staff (full request: middleware, session, cache read, live queries, SVG, template).
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database as _recreate_database  # noqa: E402
from bench.benchdb import setup_django as _setup_django  # noqa: E402


def _copy(table: str, columns: list[str], frame, nulls: tuple[str, ...] = ()) -> None:
    """COPY a pandas frame into a table in chunks (every field quoted; "" is NULL only in `nulls`)."""
    from django.db import connection

    chunk = 200_000
    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        for start in range(0, len(frame), chunk):
            buffer = io.StringIO()
            frame.iloc[start : start + chunk].to_csv(buffer, header=False, index=False, quoting=csv.QUOTE_ALL)
            force_null = f", FORCE_NULL ({', '.join(nulls)})" if nulls else ""
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{force_null})"
            with raw.copy(sql) as copy:
                copy.write(buffer.getvalue())


def seed(*, annotations: int, raters: int, overlap: int, days: int, seed_value: int = 7) -> dict:
    import pandas as pd
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from labeling.models import InstructionVersion, Project

    rng = np.random.default_rng(seed_value)
    started = time.perf_counter()
    User = get_user_model()
    now = timezone.now()
    categories = ["positive", "neutral", "negative"]
    project = Project.objects.create(
        name="Bench sentiment",
        categories=categories,
        overlap=overlap,
        pay_per_annotation_cents=5,
        budget_cents=int(annotations * 5 * 1.25),
        confidence_threshold=0.6,
    )
    versions = [
        InstructionVersion.objects.create(project=project, version=v, body=f"Instructions v{v}") for v in (1, 2, 3)
    ]
    users = pd.DataFrame(
        {
            "password": "!",
            "is_superuser": False,
            "username": [f"rater{i:05d}" for i in range(raters)],
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_staff": False,
            "is_active": True,
            "date_joined": now.isoformat(),
        }
    )
    _copy(User._meta.db_table, list(users.columns), users)
    rater_ids = np.array(
        User.objects.filter(username__startswith="rater").order_by("username").values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO labeling_projectmembership (project_id, user_id, role, status, is_qualified,
                   pause_reason, joined_at)
               SELECT %s, id, 'rater', CASE WHEN id %% 37 = 0 THEN 'paused' ELSE 'active' END, true,
                      CASE WHEN id %% 37 = 0 THEN 'gold accuracy below 70%%' ELSE '' END, now()
               FROM auth_user WHERE username LIKE 'rater%%'""",
            [project.pk],
        )

    n_items = annotations // overlap
    truth = rng.choice(3, size=n_items, p=[0.45, 0.35, 0.2])
    item_times = np.sort(rng.uniform(0, days * 86400, n_items))
    gold = rng.random(n_items) < 0.02
    items = pd.DataFrame(
        {
            "project_id": project.pk,
            "external_id": [f"b{i}" for i in range(n_items)],
            "content_hash": [f"h{i}" for i in range(n_items)],
            "payload": [json.dumps({"text": f"review {i}"}) for i in range(n_items)],
            "priority": 0,
            "is_gold": gold,
            "gold_value": [json.dumps(categories[t]) if g else "" for t, g in zip(truth, gold, strict=True)],
            "gold_explanation": "",
            "is_exam": False,
            "is_practice": False,
            "slots_open": 0,
            "annotation_count": overlap,
            "created_at": [(now - pd.Timedelta(seconds=days * 86400 - t)).isoformat() for t in item_times],
        }
    )
    _copy("labeling_item", list(items.columns), items, nulls=("gold_value",))
    item_ids = np.array(
        Item_ids := list(
            __import__("labeling.models", fromlist=["Item"])
            .Item.objects.filter(project=project)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    )
    del Item_ids

    # Each item gets `overlap` distinct raters: r0 + k * step (mod raters), k * step < raters.
    accuracy = np.clip(rng.beta(8, 2, raters), 0.35, 0.99)
    speed = np.exp(rng.normal(9.2, 0.4, raters))  # median ms per task per rater
    fast = rng.random(raters) < 0.05
    r0 = rng.integers(0, raters, n_items)
    step = rng.integers(1, max(2, raters // overlap), n_items)
    slots = (r0[:, None] + np.arange(overlap)[None, :] * step[:, None]) % raters
    rater_idx = slots.ravel()
    item_idx = np.repeat(np.arange(n_items), overlap)
    correct = rng.random(len(rater_idx)) < accuracy[rater_idx]
    wrong = (truth[item_idx] + rng.integers(1, 3, len(rater_idx))) % 3
    value_idx = np.where(correct, truth[item_idx], wrong)
    seconds = item_times[item_idx] + rng.uniform(0, 6 * 3600, len(rater_idx))
    seconds = np.minimum(seconds, days * 86400 - 1)
    spent = np.where(fast[rater_idx], rng.integers(400, 1900, len(rater_idx)), rng.lognormal(0, 0.5, len(rater_idx)))
    spent = np.where(fast[rater_idx], spent, spent * speed[rater_idx]).astype(np.int64)
    version = np.minimum((seconds / (days * 86400) * 3).astype(int), 2)
    version_ids = np.array([v.pk for v in versions])[version]
    value_json = np.array([json.dumps(c) for c in categories])[value_idx]
    created = pd.to_datetime(now.timestamp() - days * 86400 + seconds, unit="s", utc=True)
    frame = pd.DataFrame(
        {
            "project_id": project.pk,
            "item_id": item_ids[item_idx],
            "rater_id": rater_ids[rater_idx],
            "value": value_json,
            "instruction_version_id": version_ids,
            "time_spent_ms": spent,
            "source": "api",
            "created_at": created.strftime("%Y-%m-%d %H:%M:%S.%f+00"),
        }
    )
    _copy("labeling_annotation", list(frame.columns), frame)
    seeded = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH votes AS (
                SELECT item_id, value, count(*) AS n, max(created_at) AS last_at
                FROM labeling_annotation WHERE project_id = %(p)s GROUP BY item_id, value
            ), ranked AS (
                SELECT item_id, value, n,
                       sum(n) OVER (PARTITION BY item_id) AS total,
                       max(last_at) OVER (PARTITION BY item_id) AS last_at,
                       row_number() OVER (PARTITION BY item_id ORDER BY n DESC, value::text) AS rn,
                       jsonb_object_agg(value #>> '{}', n) OVER (PARTITION BY item_id) AS dist
                FROM votes
            )
            INSERT INTO labeling_resolution (project_id, item_id, kind, method, label, confidence, distribution,
                annotation_count, needs_adjudication, adjudication_reason, rationale, is_current, created_at)
            SELECT %(p)s, item_id, 'automatic', 'majority', value, n::float / total, dist, total,
                   n::float / total < 0.6, CASE WHEN n::float / total < 0.6 THEN 'low_confidence' ELSE '' END,
                   '', true, last_at
            FROM ranked WHERE rn = 1
            """,
            {"p": project.pk},
        )
        ledger = False
        cursor.execute("SELECT to_regclass('raters_earningsentry') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(
                """INSERT INTO raters_earningsentry (user_id, project_id, kind, amount_cents, annotation_id, note,
                       created_at)
                   SELECT rater_id, project_id, 'annotation', %s, id, '', created_at
                   FROM labeling_annotation WHERE project_id = %s""",
                [project.pay_per_annotation_cents, project.pk],
            )
            ledger = True
        attributes = False
        cursor.execute("SELECT to_regclass('raters_raterattributes') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(
                """INSERT INTO raters_raterattributes (user_id, language, region, age_band, gender, domain_expertise,
                       consent_text_version, consented_at, updated_at)
                   SELECT id, (ARRAY['english','spanish','hindi','french','arabic'])[1 + id %% 5],
                          (ARRAY['europe','north america','south asia','latin america'])[1 + id %% 4],
                          (ARRAY['18-24','25-34','35-44','45-54','55-64'])[1 + (id / 3) %% 5],
                          (ARRAY['woman','man','non_binary'])[1 + (id / 7) %% 3], '', 'bench', now(), now()
                   FROM auth_user WHERE username LIKE %s""",
                ["rater%"],
            )
            attributes = True
        cursor.execute("VACUUM ANALYZE")
    return {
        "project_id": project.pk,
        "items": n_items,
        "annotations": len(frame),
        "raters": raters,
        "ledger": ledger,
        "attributes": attributes,
        "seed_seconds": round(seeded - started, 1),
        "resolve_ledger_seconds": round(time.perf_counter() - seeded, 1),
    }


def seed_extras(*, project_id: int, traffic: int) -> dict:
    """Two dataset versions (3% of labels changed between them) and simulated direct-labeling traffic.

    Skipped when already present (`--reuse`).
    """
    from django.db import connection

    from datasets.models import Dataset
    from datasets.services.build import dataset_build as build
    from datasets.services.definitions import dataset_create as create

    out: dict = {}

    if not Dataset.objects.filter(name="bench-sentiment").exists():
        from datetime import timedelta

        started = time.perf_counter()
        dataset = create(
            name="bench-sentiment", project_ids=[project_id], max_label_age=timedelta(days=30), drift_threshold=0.02
        )
        build(dataset=dataset)
        with connection.cursor() as cursor:
            # A relabeling round: 3% of current resolutions replaced by a decision for another label.
            cursor.execute(
                """WITH picked AS (
                       UPDATE labeling_resolution SET is_current = false
                       WHERE id IN (SELECT id FROM labeling_resolution WHERE project_id = %s AND is_current
                                    AND id %% 33 = 0)
                       RETURNING *)
                   INSERT INTO labeling_resolution (project_id, item_id, kind, method, label, confidence,
                       distribution, annotation_count, needs_adjudication, adjudication_reason, rationale,
                       supersedes_id, is_current, created_at)
                   SELECT project_id, item_id, 'adjudication', 'adjudication',
                          CASE WHEN label = '"positive"' THEN '"negative"'::jsonb ELSE '"positive"'::jsonb END,
                          1.0, distribution, annotation_count, false, '', 'bench relabel', id, true, now()
                   FROM picked""",
                [project_id],
            )
        build(dataset=dataset)
        out["dataset_versions_s"] = round(time.perf_counter() - started, 1)
    if traffic:
        from feedback.models import FeedbackCounter

        if not FeedbackCounter.objects.exists():
            from bench.traffic import seed_traffic

            started = time.perf_counter()
            out["traffic"] = seed_traffic(requests=traffic, minutes=60)
            out["traffic_s"] = round(time.perf_counter() - started, 1)
    if out:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return out


def time_pages(*, project_id: int, requests: int) -> dict[str, dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from labeling.models import Annotation

    staff, _ = get_user_model().objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    client = Client()
    client.force_login(staff)
    raters = list(
        Annotation.objects.filter(project_id=project_id).values_list("rater_id", flat=True).distinct()[:requests]
    )
    pages = {
        "index": lambda i: "/dashboard/",
        "quality": lambda i: f"/dashboard/projects/{project_id}/quality/",
        "raters": lambda i: f"/dashboard/projects/{project_id}/raters/",
        "raters (sorted, page 5)": lambda i: f"/dashboard/projects/{project_id}/raters/?sort=fast_share&dir=asc&page=5",
        "rater drill-down": lambda i: f"/dashboard/projects/{project_id}/raters/{raters[i % len(raters)]}/",
        "cost": lambda i: f"/dashboard/projects/{project_id}/cost/",
        "diversity": lambda i: f"/dashboard/projects/{project_id}/diversity/",
        "health": lambda i: "/dashboard/health/",
        "datasets": lambda i: "/dashboard/datasets/",
    }
    results = {}
    for name, url in pages.items():
        for i in range(2):
            response = client.get(url(i + 1000))
            assert response.status_code == 200, (name, response.status_code)
        times = []
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(url(i))
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        times.sort()
        results[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(np.ceil(0.95 * len(times))) - 1)], 1),
            "max_ms": round(times[-1], 1),
            "bytes": len(response.content),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--raters", type=int, default=1000)
    parser.add_argument("--overlap", type=int, default=5)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--traffic", type=int, default=20000, help="simulated inference requests (health page)")
    parser.add_argument("--database", default="labeling_bench_dashboard")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    args = parser.parse_args()

    if not args.reuse:
        _recreate_database(args.database)
    _setup_django(args.database)
    from django.core.cache import cache
    from django.core.management import call_command

    from backoffice.services import dashboard_precompute_all
    from labeling.models import Project

    figures: dict = {"annotations_requested": args.annotations, "raters_requested": args.raters}
    project = Project.objects.filter(name="Bench sentiment").first() if args.reuse else None
    if project is None:
        call_command("migrate", verbosity=0)
        print(f"seeding {args.annotations:,} annotations from {args.raters:,} raters ...", file=sys.stderr)
        figures.update(seed(annotations=args.annotations, raters=args.raters, overlap=args.overlap, days=args.days))
        project = Project.objects.get(name="Bench sentiment")
    figures["annotations"] = project.annotations.count()
    print("seeding dataset versions and direct-labeling traffic ...", file=sys.stderr)
    figures.update(seed_extras(project_id=project.pk, traffic=args.traffic))
    cache.clear()
    print("precomputing (what Celery beat runs) ...", file=sys.stderr)
    started = time.perf_counter()
    figures["precompute_sections_s"] = dashboard_precompute_all(force=True)
    figures["precompute_total_s"] = round(time.perf_counter() - started, 1)
    print(f"precompute: {json.dumps(figures['precompute_sections_s'])}", file=sys.stderr)
    print("timing pages ...", file=sys.stderr)
    figures["pages"] = time_pages(project_id=project.pk, requests=args.requests)

    print(f"\n{'page':<26}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'KiB':>8}")
    for name, row in figures["pages"].items():
        print(f"{name:<26}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['max_ms']:>10}{row['bytes'] // 1024:>8}")
    print("\nprecompute seconds per section:", json.dumps(figures["precompute_sections_s"]))
    print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
