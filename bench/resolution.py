"""Benchmark: resolve a project and compute Krippendorff's alpha (with a bootstrap CI) for N annotations.

    .venv/bin/python bench/resolution.py --annotations 1000000

Uses its own database (default `labeling_bench_resolution`, dropped and re-created on the server of
DATABASE_URL). Generates one single-choice project: N / overlap items, `--raters` simulated raters
of varied accuracy (so Dawid-Skene has something to learn), `--overlap` labels per item, written
with COPY. Then times, in this process: the first `project_resolve` (bulk read of the annotations,
the fit, alpha at the project's level with its bootstrap interval, COPY in of the resolutions,
commit), a refit where nothing changed, a re-resolve with another method (every row retired and
rewritten), and the full agreement report (per rater with leave-one-out alpha, per pair, per instructions version).
Peak memory is the process RSS sampled every 10 ms during the timed phases. Prints JSON figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database as _recreate_database  # noqa: E402
from bench.benchdb import setup_django as _setup_django  # noqa: E402


class PeakRss:
    """Samples this process's resident memory in a thread; `peak_mb` is the maximum seen."""

    def __init__(self, interval: float = 0.01) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.peak_mb = 0.0
        self.start_mb = self._process.memory_info().rss / 2**20
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._process.memory_info().rss / 2**20)
            time.sleep(self._interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _copy(cursor, table: str, frame, not_null: str = "") -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    force = f", FORCE_NOT_NULL ({not_null})" if not_null else ""
    with cursor.copy(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv{force})") as copy:
        copy.write(buffer.getvalue())


def generate(*, annotations: int, raters: int, overlap: int, classes: int, seed: int):
    """One project with simulated raters: accuracy 0.55-0.95, errors uniform over the other classes."""
    import numpy as np
    import pandas as pd
    from django.db import connection
    from django.utils import timezone

    from labeling.models import Project

    rng = np.random.default_rng(seed)
    categories = [f"c{i}" for i in range(classes)]
    project = Project.objects.create(
        name="bench-resolution",
        label_type="single",
        categories=categories,
        overlap=overlap,
        aggregation_method="dawid_skene",
        confidence_threshold=0.6,
    )
    n_items = -(-annotations // overlap)
    now = timezone.now().isoformat()
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        _copy(
            cursor,
            "auth_user",
            pd.DataFrame(
                {
                    "password": "!",
                    "is_superuser": "f",
                    "username": [f"bench-rater-{i}" for i in range(raters)],
                    "first_name": "",
                    "last_name": "",
                    "email": "",
                    "is_staff": "f",
                    "is_active": "t",
                    "date_joined": now,
                }
            ),
            not_null="first_name, last_name, email",
        )
        cursor.execute("SELECT id FROM auth_user WHERE username LIKE 'bench-rater-%%' ORDER BY id")
        user_ids = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
        _copy(
            cursor,
            "labeling_item",
            pd.DataFrame(
                {
                    "project_id": project.pk,
                    "external_id": [f"item-{i}" for i in range(n_items)],
                    "content_hash": [f"{i:064x}" for i in range(n_items)],
                    "payload": '{"text": "bench"}',
                    "priority": 0,
                    "is_gold": "f",
                    "gold_explanation": "x",
                    "is_exam": "f",
                    "is_practice": "f",
                    "slots_open": 0,
                    "annotation_count": overlap,
                    "created_at": now,
                }
            ),
        )
        cursor.execute("SELECT id FROM labeling_item WHERE project_id = %s ORDER BY id", [project.pk])
        item_ids = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
        truth = rng.integers(0, classes, n_items)
        accuracy = rng.uniform(0.55, 0.95, raters)
        item_idx = np.repeat(np.arange(n_items), overlap)[:annotations]
        slot = np.tile(np.arange(overlap), n_items)[:annotations]
        # Distinct raters per item: a random start and a stride that cannot repeat within `overlap` steps.
        start = rng.integers(0, raters, n_items)
        rater_idx = (start[item_idx] + slot) % raters
        correct = rng.random(annotations) < accuracy[rater_idx]
        wrong = (truth[item_idx] + rng.integers(1, classes, annotations)) % classes
        label = np.where(correct, truth[item_idx], wrong)
        values = np.array([json.dumps(c) for c in categories], dtype=object)[label]
        _copy(
            cursor,
            "labeling_annotation",
            pd.DataFrame(
                {
                    "project_id": project.pk,
                    "item_id": item_ids[item_idx],
                    "rater_id": user_ids[rater_idx],
                    "value": values,
                    "source": "import",
                    "created_at": now,
                }
            ),
        )
        cursor.execute("ANALYZE")
    return project, n_items


def time_import(*, annotations: int, raters: int, overlap: int, classes: int, seed: int) -> dict:
    """Write an item,rater,value CSV and time the import service on it (new project, new raters)."""
    import tempfile

    import numpy as np
    import pandas as pd

    from labeling.services.annotation_import import annotations_import, read_table

    rng = np.random.default_rng(seed + 1)
    n_items = -(-annotations // overlap)
    item_idx = np.repeat(np.arange(n_items), overlap)[:annotations]
    rater_idx = (
        rng.integers(0, raters, n_items)[item_idx] + np.tile(np.arange(overlap), n_items)[:annotations]
    ) % raters
    frame = pd.DataFrame(
        {
            "item": np.char.add("q", item_idx.astype(str)),
            "rater": np.char.add("w", rater_idx.astype(str)),
            "value": np.char.add("c", rng.integers(0, classes, annotations).astype(str)),
        }
    )
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        frame.to_csv(handle, index=False)
        path = handle.name
    with PeakRss() as memory:
        t0 = time.perf_counter()
        rows = read_table(path)
        summary = annotations_import(project_name="bench-import", rows=rows, create=True, label_type="single")
        seconds = time.perf_counter() - t0
    os.unlink(path)
    return {
        "import_rows": summary.imported,
        "import_s": round(seconds, 2),
        "peak_rss_import_mb": round(memory.peak_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--raters", type=int, default=500)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--method", default="dawid_skene", help="Method of the headline resolve")
    parser.add_argument("--rewrite-method", default="majority", help="Method of the rewrite-everything resolve")
    parser.add_argument("--database", default="labeling_bench_resolution")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--import",
        dest="import_rows",
        action="store_true",
        help="Also time import_annotations of a CSV with the same number of rows",
    )
    args = parser.parse_args()

    _recreate_database(args.database)
    _setup_django(args.database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from labeling.models import Resolution
    from labeling.selectors.agreement import agreement_report
    from labeling.services.resolution import project_resolve

    started = time.perf_counter()
    project, n_items = generate(
        annotations=args.annotations, raters=args.raters, overlap=args.overlap, classes=args.classes, seed=args.seed
    )
    figures: dict = {
        "annotations": args.annotations,
        "items": n_items,
        "raters": args.raters,
        "overlap": args.overlap,
        "classes": args.classes,
        "bootstrap": args.bootstrap,
        "generate_s": round(time.perf_counter() - started, 2),
        "load_average_1m_start": round(os.getloadavg()[0], 1),
    }

    def resolve(name: str, method: str) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        summary = project_resolve(project=project, method=method, bootstrap=args.bootstrap)
        figures[f"{name}_s"] = round(time.perf_counter() - t0, 2)
        figures[f"{name}_python_cpu_s"] = round(time.process_time() - c0, 2)
        figures[f"{name}_stages_s"] = summary.seconds
        figures[f"{name}_written"] = summary.written
        figures[f"{name}_to_adjudicate"] = summary.needs_adjudication
        figures.setdefault("alpha", summary.alpha)

    with PeakRss() as memory:
        # Headline: first resolve of the project, which also computes alpha with its bootstrap interval.
        resolve("resolve_plus_alpha", args.method)
        # A refit where nothing changed: load, fit, compare, no writes.
        resolve("refit_unchanged", args.method)
        # Worst case: every item's result changes, so every current row is retired and rewritten.
        resolve("rewrite_all", args.rewrite_method)
    figures["peak_rss_resolve_mb"] = round(memory.peak_mb, 1)
    with PeakRss() as report_memory:
        t0 = time.perf_counter()
        report = agreement_report(project=project, bootstrap=args.bootstrap)
        figures["agreement_report_s"] = round(time.perf_counter() - t0, 2)
        figures["report_rater_pairs_total"] = report["rater_pairs_total"]
    figures["peak_rss_report_mb"] = round(report_memory.peak_mb, 1)
    if args.import_rows:
        figures.update(
            time_import(
                annotations=args.annotations,
                raters=args.raters,
                overlap=args.overlap,
                classes=args.classes,
                seed=args.seed,
            )
        )
    figures["load_average_1m_end"] = round(os.getloadavg()[0], 1)
    figures["rss_before_mb"] = round(memory.start_mb, 1)
    figures["resolutions_rows"] = Resolution.objects.filter(project=project).count()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
