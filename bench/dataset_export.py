"""Benchmark: build a dataset version of N resolved human labels and export it to Parquet.

    .venv/bin/python bench/dataset_export.py --rows 1000000

Uses its own database (default `labeling_bench_datasets`, dropped and re-created on the server of
DATABASE_URL). Inputs are generated in SQL: one project, N items, N current resolutions, and
`--raters-per-item` annotations per item. Then it times the build (COPY into DatasetRow, hash,
figures) in this process and the Parquet export in a fresh child process, whose peak RSS is the
export's own. Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database as _recreate_database  # noqa: E402
from bench.benchdb import setup_django as _setup_django  # noqa: E402


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu_seconds(pid: int) -> float | None:
    """CPU time of our PostgreSQL backend, when the server runs on this machine and /proc is readable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


GENERATE_SQL = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                       date_joined)
SELECT '!', false, 'bench-rater-' || g, '', '', '', false, true, now() FROM generate_series(1, %(raters)s) g;

INSERT INTO labeling_item (project_id, external_id, content_hash, payload, priority, is_gold, gold_value,
                           gold_explanation, is_exam, is_practice, slots_open, annotation_count, created_at)
SELECT %(project)s, 'item-' || g, md5(g::text), jsonb_build_object('text', 'sentence number ' || g), 0, false,
       NULL, '', false, false, 0, %(per_item)s, now() - interval '1 day'
FROM generate_series(1, %(rows)s) g;

INSERT INTO labeling_annotation (project_id, item_id, rater_id, value, source, created_at)
SELECT %(project)s, i.id, u.first_id + (i.id * 7 + k * 13) %% %(raters)s, to_jsonb(((i.id + k) %% 3)::text),
       'import', now() - interval '1 day'
FROM labeling_item i
CROSS JOIN generate_series(0, %(per_item)s - 1) k
CROSS JOIN (SELECT min(id) AS first_id FROM auth_user WHERE username LIKE 'bench-rater-%%') u
WHERE i.project_id = %(project)s;

INSERT INTO labeling_resolution (project_id, item_id, kind, method, label, confidence, distribution,
                                 annotation_count, needs_adjudication, adjudication_reason, rationale,
                                 is_current, created_at)
SELECT %(project)s, i.id, 'automatic', 'majority', to_jsonb((i.id %% 3)::text), 0.5 + (i.id %% 50) / 100.0,
       jsonb_build_object((i.id %% 3)::text, 0.6, ((i.id + 1) %% 3)::text, 0.4), %(per_item)s, false, '', '',
       true, now() - make_interval(mins => (i.id %% 10000)::int)
FROM labeling_item i WHERE i.project_id = %(project)s;
ANALYZE;
"""


def run_export(args: argparse.Namespace) -> None:
    """Child process: export one version and report its own time and peak RSS."""
    _setup_django(args.database)
    from django.db import connection

    from datasets.models import DatasetVersion
    from datasets.services.export import version_export_to_file

    version = DatasetVersion.objects.get(pk=args.export_version)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_before, own_before = _backend_cpu_seconds(backend), _own_cpu_seconds()
    started = time.perf_counter()
    with open(args.out, "wb") as out:
        size = version_export_to_file(version=version, fmt="parquet", out=out)
    seconds = time.perf_counter() - started
    backend_after = _backend_cpu_seconds(backend)
    # CPU seconds tell what the export costs when the 2 cores are shared with other work (wall time does not).
    print(json.dumps({
        "export_seconds": round(seconds, 2),
        "export_cpu_seconds_python": round(_own_cpu_seconds() - own_before, 2),
        "export_cpu_seconds_postgres": round(backend_after - backend_before, 2) if backend_after is not None else None,
        "export_peak_rss_mb": round(_peak_rss_mb(), 1),
        "parquet_mb": round(size / 1e6, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="resolved items (= dataset rows)")
    parser.add_argument("--raters-per-item", type=int, default=3)
    parser.add_argument("--raters", type=int, default=500)
    parser.add_argument("--database", default="labeling_bench_datasets")
    parser.add_argument("--out", default="/tmp/bench_dataset_export.parquet")
    parser.add_argument("--export-version", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_version:
        run_export(args)
        return

    _recreate_database(args.database)
    _setup_django(args.database)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from datasets.models import Dataset
    from datasets.services.build import dataset_build
    from labeling.models import Project

    started = time.perf_counter()
    project = Project.objects.create(name="bench", categories=["0", "1", "2"], overlap=args.raters_per_item)
    with connection.cursor() as cursor:
        cursor.execute(
            GENERATE_SQL,
            {"project": project.pk, "rows": args.rows, "per_item": args.raters_per_item, "raters": args.raters},
        )
    generate_seconds = time.perf_counter() - started

    dataset = Dataset.objects.create(name="bench")
    dataset.projects.add(project)
    started = time.perf_counter()
    version = dataset_build(dataset=dataset)
    build_seconds = time.perf_counter() - started
    build_rss = _peak_rss_mb()
    connection.close()

    child = subprocess.run(
        [sys.executable, __file__, "--database", args.database, "--export-version", str(version.pk),
         "--out", args.out],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    export = json.loads(child.stdout.strip().splitlines()[-1])

    import pyarrow.parquet as pq

    read_rows = pq.ParquetFile(args.out).metadata.num_rows
    print(
        json.dumps(
            {
                "rows": version.row_count,
                "parquet_rows": read_rows,
                "generate_inputs_seconds": round(generate_seconds, 2),
                "build_seconds": round(build_seconds, 2),
                "build_peak_rss_mb": round(build_rss, 1),
                **export,
                "content_hash": version.content_hash,
            }
        )
    )


if __name__ == "__main__":
    main()
