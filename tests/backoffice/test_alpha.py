"""The dashboard's pattern-based alpha: equal to the krippendorff package, with a sane bootstrap CI."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from labeling.dashboard.figures.alpha import alpha_from_counts, count_patterns


def reliability_data(seed: int, raters: int = 8, units: int = 150, k: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, units)
    data = np.where(rng.random((raters, units)) < 0.65, truth, rng.integers(0, k, (raters, units))).astype(float)
    data[rng.random((raters, units)) < 0.45] = np.nan
    return data


def counts_of(data: np.ndarray, k: int = 4) -> np.ndarray:
    return np.stack([(data == c).sum(axis=0) for c in range(k)], axis=1)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", [1, 2])
def test_matches_krippendorff_package(level, seed):
    data = reliability_data(seed)
    points = np.arange(4, dtype=float) + 1
    expected = krippendorff.alpha(reliability_data=data + 1, level_of_measurement=level, value_domain=list(points))
    result = alpha_from_counts(counts_of(data), level=level, points=points, bootstrap=0)
    assert result.alpha == pytest.approx(expected, abs=1e-12)


def test_bootstrap_interval_brackets_alpha_and_is_reproducible():
    counts = counts_of(reliability_data(3))
    first = alpha_from_counts(counts, bootstrap=500, seed=4)
    again = alpha_from_counts(counts, bootstrap=500, seed=4)
    assert first.low < first.alpha < first.high
    assert (first.low, first.high) == (again.low, again.high)
    assert first.high - first.low < 0.3


def test_more_items_narrow_the_interval():
    small = alpha_from_counts(counts_of(reliability_data(5, units=60)), bootstrap=400)
    large = alpha_from_counts(counts_of(reliability_data(5, units=2000)), bootstrap=400)
    assert (large.high - large.low) < (small.high - small.low) / 2


def test_items_with_one_label_are_not_pairable():
    counts = np.array([[2, 0], [0, 2], [1, 0], [0, 0]])
    patterns, multiplicity = count_patterns(counts)
    assert multiplicity.sum() == 2
    result = alpha_from_counts(counts, bootstrap=0)
    assert result.items == 2 and result.values == 4
    assert result.alpha == pytest.approx(1.0)
    assert result.per_category == [1.0, 1.0]


def test_no_pairable_items_gives_no_alpha():
    result = alpha_from_counts(np.array([[1, 0], [0, 1]]), bootstrap=10)
    assert result.alpha is None and result.low is None and result.items == 0


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_batched_bootstrap_equals_one_by_one(level):
    from labeling.dashboard.figures.alpha import _alpha_batch, _alpha_from_coincidence, _pattern_coincidences

    patterns, multiplicity = count_patterns(counts_of(reliability_data(6)))
    contributions = _pattern_coincidences(patterns)
    rng = np.random.default_rng(0)
    draws = rng.multinomial(multiplicity.sum(), multiplicity / multiplicity.sum(), size=20).astype(float)
    samples = (draws @ contributions.reshape(len(patterns), -1)).reshape(20, 4, 4)
    points = np.arange(4, dtype=float) + 1
    batched = _alpha_batch(samples, level, points)
    single = [_alpha_from_coincidence(sample, level, points) for sample in samples]
    assert batched == pytest.approx(single, abs=1e-12)


def test_count_patterns_groups_identical_rows():
    counts = np.array([[2, 1, 0], [0, 3, 0], [2, 1, 0], [1, 0, 0], [0, 3, 0], [2, 1, 0], [0, 0, 9]])
    patterns, multiplicity = count_patterns(counts)
    found = {tuple(p): int(m) for p, m in zip(patterns, multiplicity, strict=True)}
    assert found == {(2, 1, 0): 3, (0, 3, 0): 2, (0, 0, 9): 1}
