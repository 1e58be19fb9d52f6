"""Krippendorff's alpha from per-item value counts, with a bootstrap CI, fast enough for millions of labels.

The `krippendorff` package needs a dense raters × items matrix (1,000 raters × 300,000 items does not
fit in memory). Alpha only depends on how many values of each category every item received, and on a
big project most items share one of a few dozen count patterns ("2 yes, 1 no"). So items are grouped
by pattern, and the bootstrap over items draws pattern multiplicities from a multinomial: the same
resampling as drawing items with replacement, at a cost independent of the number of items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOMINAL = "nominal"
ORDINAL = "ordinal"
INTERVAL = "interval"
RATIO = "ratio"


@dataclass(frozen=True)
class AlphaResult:
    alpha: float | None
    low: float | None
    high: float | None
    items: int  # items with at least two values (pairable)
    values: int  # pairable values
    observed_agreement: float | None  # share of agreeing pairs
    per_category: list[float | None]  # o_cc / n_c: how often a value c is matched by another c

    def as_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "low": self.low,
            "high": self.high,
            "items": self.items,
            "values": self.values,
            "observed_agreement": self.observed_agreement,
            "per_category": self.per_category,
        }


def count_patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rows of an items × categories count matrix and how many items have each (pairable only)."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.size == 0:
        return np.zeros((0, counts.shape[1] if counts.ndim == 2 else 0), dtype=np.int64), np.zeros(0, np.int64)
    pairable = counts[counts.sum(axis=1) >= 2]
    if len(pairable) == 0:
        return np.zeros((0, counts.shape[1]), dtype=np.int64), np.zeros(0, np.int64)
    base = int(pairable.max()) + 1
    if base ** pairable.shape[1] < 2**62:
        # One integer per row (counts in base `base`): a 1-D unique is many times faster than axis=0.
        weights = base ** np.arange(pairable.shape[1], dtype=np.int64)
        keys, multiplicity = np.unique(pairable @ weights, return_counts=True)
        patterns = (keys[:, None] // weights[None, :]) % base
        return patterns.astype(np.int64), multiplicity
    patterns, multiplicity = np.unique(pairable, axis=0, return_counts=True)
    return patterns, multiplicity


def _pattern_coincidences(patterns: np.ndarray) -> np.ndarray:
    """Coincidence matrix contributed by one item of each pattern: P × K × K."""
    p = patterns.astype(float)
    m = p.sum(axis=1)
    outer = p[:, :, None] * p[:, None, :]
    idx = np.arange(p.shape[1])
    outer[:, idx, idx] -= p
    return outer / (m - 1)[:, None, None]


def _delta(level: str, n_c: np.ndarray, points: np.ndarray) -> np.ndarray:
    k = len(n_c)
    if level == NOMINAL:
        return 1.0 - np.eye(k)
    if level == ORDINAL:
        cumulative = np.concatenate([[0.0], np.cumsum(n_c)])
        delta = np.zeros((k, k))
        for c in range(k):
            for e in range(c + 1, k):
                value = cumulative[e + 1] - cumulative[c] - (n_c[c] + n_c[e]) / 2
                delta[c, e] = delta[e, c] = value**2
        return delta
    if level == RATIO:
        s = points[:, None] + points[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(s == 0, 0.0, ((points[:, None] - points[None, :]) / s) ** 2)
        return d
    return (points[:, None] - points[None, :]) ** 2


def _delta_batch(level: str, n_c: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance matrices for a batch of marginals n_c (B × K) -> B × K × K."""
    batch, k = n_c.shape
    if level == ORDINAL:
        cumulative = np.concatenate([np.zeros((batch, 1)), np.cumsum(n_c, axis=1)], axis=1)
        c = np.arange(k)[:, None]
        e = np.arange(k)[None, :]
        low, high = np.minimum(c, e), np.maximum(c, e)
        spans = cumulative[:, high + 1] - cumulative[:, low] - (n_c[:, low] + n_c[:, high]) / 2
        return np.where(low == high, 0.0, spans) ** 2
    return np.broadcast_to(_delta(level, n_c[0], points), (batch, k, k))


def _alpha_batch(o: np.ndarray, level: str, points: np.ndarray) -> np.ndarray:
    """Alpha of many coincidence matrices at once (the bootstrap draws): B × K × K -> B (NaN if undefined)."""
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    delta = _delta_batch(level, n_c, points)
    observed = (o * delta).sum(axis=(1, 2))
    expected = (n_c[:, :, None] * n_c[:, None, :] * delta).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((expected > 0) & (n > 1), 1.0 - (n - 1) * observed / expected, np.nan)


def _alpha_from_coincidence(o: np.ndarray, level: str, points: np.ndarray) -> float | None:
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n <= 1:
        return None
    delta = _delta(level, n_c, points)
    expected = (np.outer(n_c, n_c) * delta).sum()
    if expected <= 0:
        return None
    return float(1.0 - (n - 1) * (o * delta).sum() / expected)


def alpha_from_counts(
    counts: np.ndarray,
    *,
    level: str = NOMINAL,
    points: np.ndarray | None = None,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> AlphaResult:
    """Alpha of an items × categories count matrix, with a percentile bootstrap CI over items.

    `points` are the numeric values of the categories (interval/ratio levels); ordinal uses the
    column order as the rank order.
    """
    counts = np.asarray(counts, dtype=np.int64)
    k = counts.shape[1] if counts.ndim == 2 else 0
    points = np.arange(k, dtype=float) if points is None else np.asarray(points, dtype=float)
    patterns, multiplicity = count_patterns(counts)
    if len(patterns) == 0:
        return AlphaResult(None, None, None, 0, 0, None, [None] * k)
    contributions = _pattern_coincidences(patterns)
    o = np.tensordot(multiplicity.astype(float), contributions, axes=1)
    alpha = _alpha_from_coincidence(o, level, points)
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    per_category = [float(o[c, c] / n_c[c]) if n_c[c] > 0 else None for c in range(k)]
    observed = float(np.trace(o) / n) if n else None
    low = high = None
    if alpha is not None and bootstrap > 0:
        rng = np.random.default_rng(seed)
        items = int(multiplicity.sum())
        draws = rng.multinomial(items, multiplicity / items, size=bootstrap).astype(float)
        flat = contributions.reshape(len(patterns), -1)
        resampled = (draws @ flat).reshape(bootstrap, k, k)
        estimates = _alpha_batch(resampled, level, points)
        finite = estimates[np.isfinite(estimates)]
        if len(finite):
            tail = (1 - confidence) / 2 * 100
            low, high = (float(v) for v in np.percentile(finite, [tail, 100 - tail]))
    return AlphaResult(
        alpha=alpha,
        low=low,
        high=high,
        items=int(multiplicity.sum()),
        values=int(round(n)),
        observed_agreement=observed,
        per_category=per_category,
    )
