"""Benchmark of a data validation check over a day of 5-minute serving windows.

    python bench/validation_check.py --features 50 --windows 288 --rows 2000

Seeds a reference (a dataset version's statistics and inferred schema) and `--windows` windows of serving
statistics for `--features` features (half numeric, half categorical) with full-size KLL sketches, then
times `datasets.services.validation_check.validation_check` over the whole day (target < 2 s), beside the
time to only read and decode the same windows from PostgreSQL (the floor) in the same run.
It uses its own database (--database), created and migrated here.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.feedback_join import setup_django  # noqa: E402

CATEGORIES = np.array([f"c{i}" for i in range(12)])


def profile_for(rng: np.random.Generator, features: int, rows: int):
    """A window's statistics built straight from numpy draws (what profile_build yields for such rows)."""
    from datasketches import kll_doubles_sketch

    from feedback.statistics.profile import KLL_K, FeatureStatistics, Profile

    profile = Profile(rows=rows)
    weights = np.linspace(1, 2, len(CATEGORIES))
    for f in range(features):
        stats = FeatureStatistics(present=rows)
        if f % 2 == 0:
            values = rng.normal(10 + f, 3, rows)
            stats.sketch = kll_doubles_sketch(KLL_K)
            stats.sketch.update(values)
            stats.types = {"float": rows}
            stats.examples = {"float": [float(v) for v in values[:3]]}
        else:
            drawn = rng.choice(CATEGORIES, rows, p=weights / weights.sum())
            names, counts = np.unique(drawn, return_counts=True)
            stats.categories = {str(n): int(c) for n, c in zip(names, counts, strict=True)}
            stats.types = {"string": rows}
            stats.examples = {"string": [str(v) for v in drawn[:3]]}
        profile.features[f"feature_{f:02d}"] = stats
    return profile


def seed(features: int, windows: int, rows: int):
    from django.db import connection
    from django.utils import timezone

    from datasets.models import Dataset, DatasetVersion, ValidationReference, ValidationSchema
    from feedback.models import ServingStatistics
    from feedback.services.serving_statistics import window_floor
    from feedback.statistics.schema import schema_infer

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE feedback_servingstatistics, datasets_anomaly, datasets_validationschema, "
            "datasets_validationreference CASCADE"
        )
    rng = np.random.default_rng(1)
    reference = profile_for(rng, features, 20_000)
    dataset, _ = Dataset.objects.get_or_create(name="bench-validation", defaults={"direct_model": "bench-model"})
    version = DatasetVersion.objects.filter(dataset=dataset).first()
    if version is None:
        version = DatasetVersion.objects.create(
            dataset=dataset, number=1, status="ready", row_count=20_000, content_hash=hashlib.sha256(b"x").hexdigest()
        )
    ref = ValidationReference.objects.create(version=version, rows=reference.rows, statistics=reference.to_bytes())
    ValidationSchema.objects.create(dataset=dataset, number=1, reference=ref, features=schema_infer(reference))
    now = timezone.now()
    first = window_floor(now - timedelta(days=1), 300)
    ServingStatistics.objects.bulk_create(
        [
            ServingStatistics(
                model="bench-model",
                window_start=first + timedelta(minutes=5 * w),
                rows=rows,
                compacted=True,
                statistics=profile_for(rng, features, rows).to_bytes(),
                created_at=now,
            )  # fmt: skip
            for w in range(windows)
        ],
        batch_size=50,
    )
    return first, now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--windows", type=int, default=288, help="5-minute windows (288 = one day)")
    parser.add_argument("--rows", type=int, default=2000, help="requests per window")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="labeling_validation_bench")
    args = parser.parse_args()
    setup_django(args.database)
    from datasets.services.validation_check import validation_check
    from feedback.selectors.serving_statistics import serving_windows

    first, now = seed(args.features, args.windows, args.rows)
    print(f"seeded {args.windows} windows x {args.features} features, {args.rows} requests per window", flush=True)
    floor, check = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        serving_windows(model="bench-model", since=first, until=now)
        floor.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = validation_check(model="bench-model", since=first, now=now)
        check.append(time.perf_counter() - started)
    best, median = min(check), sorted(check)[len(check) // 2]
    print(f"read + decode the windows only: {min(floor):.3f} s (best of {args.repeat})")
    print(f"validation_check over {result.windows} windows x {args.features} features: {best:.3f} s "
          f"(best of {args.repeat}; median {median:.3f} s); anomalies {len(result.anomalies)}; "
          f"target < 2 s: {'met' if best < 2 else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
