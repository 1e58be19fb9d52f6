"""The pure statistics: distances by hand and against scipy, sketches merge, schema inference, window checks."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from datasketches import kll_doubles_sketch
from scipy.spatial.distance import chebyshev as scipy_chebyshev
from scipy.spatial.distance import jensenshannon

from datasets import conf as datasets_conf
from feedback.statistics import profile as profile_module
from feedback.statistics.checks import window_check
from feedback.statistics.distances import (
    chebyshev_distance,
    histogram,
    jensen_shannon_divergence,
    numeric_divergence,
    shares,
    split_points,
)
from feedback.statistics.profile import (
    MAX_CATEGORIES,
    OTHER,
    FeatureStatistics,
    Profile,
    features_flatten,
    profile_build,
)
from feedback.statistics.schema import schema_infer

DEFAULTS = datasets_conf.DEFAULTS["THRESHOLDS"]  # the shipped defaults, as the checks read them


def test_chebyshev_hand_computed_and_scipy():
    # Given two distributions over partly different categories.
    p = {"a": 0.5, "b": 0.3, "c": 0.2}
    q = {"a": 0.4, "b": 0.3, "d": 0.3}
    # Then: |a| 0.1, |b| 0, |c| 0.2, |d| 0.3 -> 0.3, the same as scipy on aligned vectors.
    assert chebyshev_distance(p, q) == pytest.approx(0.3)
    keys = sorted(set(p) | set(q))
    assert chebyshev_distance(p, q) == pytest.approx(
        scipy_chebyshev([p.get(k, 0) for k in keys], [q.get(k, 0) for k in keys])
    )
    assert chebyshev_distance(shares({"x": 3, "y": 1}), shares({"x": 1, "y": 3})) == pytest.approx(0.5)


def test_jensen_shannon_hand_computed_and_scipy():
    # Given p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4),
    # KL(p||m) = 1/2 log2(2/3) + 1/2 log2(2) and KL(q||m) = log2(4/3); JS = half their sum.
    expected = 0.5 * (0.5 * math.log2(2 / 3) + 0.5 * 1.0) + 0.5 * math.log2(4 / 3)
    assert jensen_shannon_divergence([0.5, 0.5], [1.0, 0.0]) == pytest.approx(expected)
    assert expected == pytest.approx(0.311278, abs=1e-6)
    # scipy returns the JS distance: the square root of our divergence, in the same base.
    rng = np.random.default_rng(3)
    for _ in range(20):
        p, q = rng.random(12), rng.random(12)
        assert jensen_shannon_divergence(p, q) == pytest.approx(jensenshannon(p, q, base=2) ** 2, rel=1e-9)
    assert jensen_shannon_divergence([1, 0], [0, 1]) == pytest.approx(1.0)
    assert jensen_shannon_divergence([2, 2], [1, 1]) == 0.0


def test_numeric_divergence_grows_with_the_shift_and_matches_scipy_on_the_same_bins():
    rng = np.random.default_rng(7)
    reference = profile_build({"x": float(v)} for v in rng.normal(0, 1, 20_000)).features["x"].sketch
    same = profile_build({"x": float(v)} for v in rng.normal(0, 1, 20_000)).features["x"].sketch
    figures = []
    for shift in (0.25, 0.5, 1.0):
        moved = profile_build({"x": float(v)} for v in rng.normal(shift, 1, 20_000)).features["x"].sketch
        figures.append(numeric_divergence(reference, moved))
        points = split_points(reference)
        p, q = histogram(reference, points), histogram(moved, points)
        assert figures[-1] == pytest.approx(jensenshannon(p, q, base=2) ** 2, rel=1e-9)
    assert numeric_divergence(reference, same) < 0.005
    assert figures == sorted(figures) and figures[-1] > 0.1


def test_profiles_merge_to_the_totals_whatever_the_split():
    rows = [{"n": i, "c": f"v{i % 7}", "u": {"age": i / 2}, "maybe": None if i % 3 else 1} for i in range(3000)]
    whole = profile_build(rows)
    parts = Profile()
    for start in range(0, 3000, 700):
        parts.merge(Profile.from_bytes(profile_build(rows[start : start + 700]).to_bytes()))
    assert parts.rows == whole.rows == 3000
    assert parts.features["c"].categories == whole.features["c"].categories
    assert parts.features["n"].sketch.n == 3000 and parts.features["u.age"].sketch.get_max_value() == 1499.5
    assert parts.features["maybe"].nulls == 2000 and parts.features["maybe"].types == {"null": 2000, "int": 1000}


def test_categories_beyond_the_cap_are_pooled_and_totals_stay_exact():
    profile = profile_build({"id": f"user-{i}"} for i in range(MAX_CATEGORIES + 500))
    counts = profile.features["id"].categories
    assert len(counts) == MAX_CATEGORIES and counts[OTHER] == 501
    assert sum(counts.values()) == MAX_CATEGORIES + 500
    assert schema_infer(profile)["id"]["domain"] is None  # an id is not a domain


def test_flatten_and_schema_inference():
    assert features_flatten({"a": {"b": {"c": 1}}, "l": [1, 2], "e": {}}) == {"a.b.c": 1, "l": [1, 2], "e": {}}
    schema = schema_infer(profile_build([{"x": 1, "y": "a", "z": True}, {"x": 2.5, "y": "b"}]))
    assert schema["x"]["type"] == "float" and schema["x"]["range"] == [1.0, 2.5]
    assert schema["y"] == {**schema["y"], "kind": "categorical", "domain": ["a", "b"], "presence": 1.0}
    assert schema["z"]["presence"] == 0.5 and schema["z"]["domain"] == ["true"]


def _rows(n, **changes):
    rng = np.random.default_rng(n)
    out = []
    for i in range(n):
        row = {"price": float(rng.normal(10, 2)), "country": ["de", "fr", "us"][i % 3], "count": int(i % 5)}
        row.update({k: (v(i) if callable(v) else v) for k, v in changes.items()})
        out.append({k: v for k, v in row.items() if v is not ...})
    return out


def test_window_check_finds_each_kind_and_nothing_on_a_clean_window():
    reference = profile_build(_rows(6000))
    schema = schema_infer(reference)
    clean = profile_build(_rows(3000))
    assert (
        window_check(schema=schema, reference=reference, window=clean, previous=clean, defaults=DEFAULTS, min_rows=500)
        == []
    )
    broken = profile_build(
        _rows(
            3000,
            count=lambda i: f"{i % 5}",
            country=lambda i: "xx" if i % 4 == 0 else ["de", "fr", "us"][i % 3],
            price=...,
            extra=1,
        )
    )
    found = {
        (f.kind, f.feature)
        for f in window_check(
            schema=schema, reference=reference, window=broken, previous=clean, defaults=DEFAULTS, min_rows=500
        )
    }
    assert {
        ("type_mismatch", "count"),
        ("unseen_category", "country"),
        ("missing_feature", "price"),
        ("extra_feature", "extra"),
        ("distribution_skew", "country"),
    } <= found
    shifted = profile_build(_rows(3000, price=lambda i: 10 + 2 * ((i * 7919) % 1000 / 1000 - 0.5) * 3.4 + 2))
    kinds = {
        (f.kind, f.feature)
        for f in window_check(
            schema=schema, reference=reference, window=shifted, previous=clean, defaults=DEFAULTS, min_rows=500
        )
    }
    assert ("distribution_skew", "price") in kinds and ("distribution_drift", "price") in kinds
    # A quiet window is not compared: too few rows for a distribution.
    small = profile_build(_rows(50, price=lambda i: 100.0))
    assert all(
        f.kind != "distribution_skew"
        for f in window_check(
            schema=schema, reference=reference, window=small, previous=None, defaults=DEFAULTS, min_rows=500
        )
    )


def _one_by_one(column: list) -> FeatureStatistics:
    stats = FeatureStatistics(present=len(column))
    numbers = profile_module._values_one_by_one(stats, column)
    if numbers:
        stats.sketch = kll_doubles_sketch(profile_module.KLL_K)
        values = np.asarray(numbers, dtype=np.float64)
        stats.sketch.update(values[np.isfinite(values)])
    profile_module._cap(stats.categories)
    return stats


def _figures(stats: FeatureStatistics) -> str:
    sketch = (
        None if stats.sketch is None else (stats.sketch.n, stats.sketch.get_min_value(), stats.sketch.get_max_value())
    )
    return repr((stats.present, stats.nulls, list(stats.types.items()), list(stats.categories.items()),
                 list(stats.examples.items()), sketch))  # fmt: skip


@pytest.mark.parametrize("seed", range(8))
def test_the_column_path_gives_the_per_value_statistics(seed):
    """profile_build counts a one-type column with C loops; it must equal the per-value path exactly."""
    rng = random.Random(seed)
    nan = float("nan")
    columns = [
        [rng.randint(-3, 3) for _ in range(400)],
        [rng.choice([0.5, -0.0, 0.0, nan, 1e300]) for _ in range(400)],
        [f"v{rng.randint(0, 1500)}" for _ in range(3000)],  # past MAX_CATEGORIES: pooled
        [rng.choice(["a", "b"]) for _ in range(50)],
        [rng.random() < 0.3 for _ in range(200)],
        [None] * 7,
        [[1, rng.randint(0, 2)] for _ in range(9)],
        [rng.choice([1, "1", None, True, 2.5, [1], {}]) for _ in range(300)],  # mixed: the per-value path
    ]
    for column in columns:
        assert _figures(profile_module._column_statistics(column)) == _figures(_one_by_one(column))
