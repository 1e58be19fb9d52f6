"""Distances between a reference and a serving distribution, as TensorFlow Data Validation defines them.

- Categorical: the L-infinity (Chebyshev) distance between the two share vectors, max |p(c) - q(c)| over
  the union of categories; 0 when identical, 1 when disjoint.
- Numeric: the Jensen-Shannon *divergence* in base 2 (so it lies in [0, 1]) between the two histograms
  over the same bins. The bins are cut at the reference's quantiles (equal reference mass per bin), with
  everything below the first cut or above the last one in the outer bins, so a shift moves mass across
  bins. `scipy.spatial.distance.jensenshannon(p, q, base=2)` returns the JS *distance*, the square root
  of this figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from datasketches import kll_doubles_sketch

HISTOGRAM_BINS = 20


def shares(counts: Mapping[str, float]) -> dict[str, float]:
    total = sum(counts.values())
    return {key: value / total for key, value in counts.items()} if total else {}


def chebyshev_distance(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """max over categories of |p(c) - q(c)| (inputs are shares); a category missing on one side counts 0."""
    keys = set(p) | set(q)
    return max((abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys), default=0.0)


def jensen_shannon_divergence(p: Sequence[float], q: Sequence[float]) -> float:
    """JS divergence, base 2, of two histograms (normalised here): 0.5 KL(p||m) + 0.5 KL(q||m), m = (p+q)/2.

    Plain Python on purpose: histograms have ~20 bins, where numpy's per-call overhead dominates.
    """
    total_p, total_q = float(sum(p)), float(sum(q))
    if total_p <= 0 or total_q <= 0:
        return 0.0
    divergence = 0.0
    for a, b in zip(p, q, strict=True):
        a, b = a / total_p, b / total_q
        m = (a + b) / 2
        if a > 0:
            divergence += a * math.log2(a / m)
        if b > 0:
            divergence += b * math.log2(b / m)
    return min(max(divergence / 2, 0.0), 1.0)


def split_points(reference: kll_doubles_sketch, bins: int = HISTOGRAM_BINS) -> list[float]:
    """Cut points at the reference's 1/bins, 2/bins, ... quantiles, de-duplicated (ints repeat)."""
    if reference.is_empty():
        return []
    ranks = [i / bins for i in range(1, bins)]
    return sorted(set(reference.get_quantiles(ranks)))


def histogram(sketch: kll_doubles_sketch, points: Sequence[float]) -> list[float]:
    """Mass in (-inf, p0), [p0, p1), ..., [p_last, +inf) from the sketch (exclusive of the upper cut)."""
    if sketch.is_empty():
        return []
    if not points:
        return [1.0]
    return list(sketch.get_pmf(list(points), False))


def numeric_divergence(reference: kll_doubles_sketch, serving: kll_doubles_sketch) -> float:
    points = split_points(reference)
    p, q = histogram(reference, points), histogram(serving, points)
    if not p or not q:
        return 0.0
    if not points:  # a constant reference: the mass equal to it versus the rest
        value = reference.get_min_value()
        p = [1.0, 0.0]
        q = [serving.get_rank(value, True) - serving.get_rank(value, False), 0.0]
        q[1] = 1.0 - q[0]
    return jensen_shannon_divergence(p, q)


def out_of_range_fraction(serving: kll_doubles_sketch, low: float, high: float) -> float:
    """Share of serving values below `low` or above `high`."""
    if serving.is_empty():
        return 0.0
    return float(serving.get_rank(low, False) + 1.0 - serving.get_rank(high, True))
