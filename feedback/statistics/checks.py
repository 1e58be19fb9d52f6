"""Compare one serving window with the reference schema and statistics, and with the window before it.

Returns findings (plain data); the datasets app turns them into anomaly rows. Thresholds come per
feature from the schema (`thresholds`) over the defaults passed in. Distribution checks need at least
`min_rows` rows on both sides, so a quiet window is not an alarm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from feedback.statistics.distances import (
    chebyshev_distance,
    histogram,
    jensen_shannon_divergence,
    numeric_divergence,
    out_of_range_fraction,
    shares,
    split_points,
)
from feedback.statistics.profile import FeatureStatistics, Profile
from feedback.statistics.schema import compatible

REFERENCE = "reference"
PREVIOUS = "previous"


@dataclass(frozen=True)
class Finding:
    kind: str
    feature: str
    figure: float
    threshold: float
    baseline: str = REFERENCE
    examples: list = field(default_factory=list)


def _thresholds(entry: dict | None, defaults: dict[str, float]) -> dict[str, float]:
    return {**defaults, **((entry or {}).get("thresholds") or {})}


class Comparer:
    """Distances with each side's shares or histogram computed once per check.

    A check compares every window with the reference and with the window before it, so the reference's
    bins, and each window's histogram on them, are reused instead of recomputed (keys: the statistics
    objects, alive for the whole check).
    """

    def __init__(self) -> None:
        self._points: dict[int, list[float]] = {}
        self._bins: dict[tuple[int, int], list[float]] = {}
        self._shares: dict[int, dict[str, float]] = {}

    def shares(self, stats: FeatureStatistics) -> dict[str, float]:
        key = id(stats)
        if key not in self._shares:
            self._shares[key] = shares(stats.categories)
        return self._shares[key]

    def bins(self, reference: FeatureStatistics, stats: FeatureStatistics) -> list[float]:
        ref_key = id(reference)
        if ref_key not in self._points:
            self._points[ref_key] = split_points(reference.sketch)
        key = (ref_key, id(stats))
        if key not in self._bins:
            self._bins[key] = histogram(stats.sketch, self._points[ref_key])
        return self._bins[key]

    def distance(
        self, entry: dict, reference: FeatureStatistics, old: FeatureStatistics, cur: FeatureStatistics
    ) -> tuple[str, float] | None:
        """Distance from `old` to `cur`, on the bins of `reference` for numbers (TFDV's skew and drift)."""
        if entry["kind"] == "categorical":
            if not old.categories or not cur.categories:
                return None
            return "chebyshev", chebyshev_distance(self.shares(old), self.shares(cur))
        if entry["kind"] == "numeric":
            sketches = (reference.sketch, old.sketch, cur.sketch)
            if any(sketch is None or sketch.is_empty() for sketch in sketches):
                return None
            if not self.bins(reference, reference)[1:]:  # a constant reference: no bins to compare on
                return "jensen_shannon", numeric_divergence(old.sketch, cur.sketch)
            p, q = self.bins(reference, old), self.bins(reference, cur)
            return "jensen_shannon", jensen_shannon_divergence(p, q)
        return None


def window_check(
    *,
    schema: dict[str, dict[str, Any]],
    reference: Profile,
    window: Profile,
    previous: Profile | None,
    defaults: dict[str, float],
    min_rows: int,
    comparer: Comparer | None = None,
) -> list[Finding]:
    comparer = comparer or Comparer()
    findings: list[Finding] = []
    if window.rows == 0:
        return findings
    for path, entry in schema.items():
        limits = _thresholds(entry, defaults)
        cur = window.features.get(path)
        presence = (cur.present if cur else 0) / window.rows
        drop = entry["presence"] - presence
        if entry["presence"] > 0 and drop > limits["presence_drop"]:
            findings.append(Finding("missing_feature", path, round(drop, 6), limits["presence_drop"]))
        if cur is None or cur.present == 0:
            continue
        bad = {t: n for t, n in cur.types.items() if t != "null" and not compatible(entry["type"], t)}
        fraction = sum(bad.values()) / cur.present
        if bad and fraction > limits["type_fraction"]:
            examples = [v for t in sorted(bad) for v in cur.examples.get(t, [])][:5]
            findings.append(
                Finding("type_mismatch", path, round(fraction, 6), limits["type_fraction"], examples=examples)
            )
        null_increase = cur.nulls / cur.present - entry["null_rate"]
        if null_increase > limits["null_rate_increase"]:
            findings.append(Finding("null_rate", path, round(null_increase, 6), limits["null_rate_increase"]))
        if entry.get("domain") is not None and cur.categories:
            domain = set(entry["domain"])
            unseen = {c: n for c, n in cur.categories.items() if c not in domain}
            share = sum(unseen.values()) / cur.categorical_count
            if unseen and share > limits["unseen_fraction"]:
                top = sorted(unseen.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
                findings.append(
                    Finding(
                        "unseen_category",
                        path,
                        round(share, 6),
                        limits["unseen_fraction"],
                        examples=[c for c, _ in top],
                    )
                )
        if entry.get("range") and cur.sketch is not None and not cur.sketch.is_empty():
            low, high = entry["range"]
            share = out_of_range_fraction(cur.sketch, low, high)
            if share > limits["out_of_range_fraction"]:
                examples = [round(cur.sketch.get_min_value(), 4), round(cur.sketch.get_max_value(), 4)]
                findings.append(
                    Finding("out_of_range", path, round(share, 6), limits["out_of_range_fraction"], examples=examples)
                )
        if window.rows < min_rows:
            continue
        ref = reference.features.get(path)
        if ref is None:
            continue
        measured = comparer.distance(entry, ref, ref, cur)
        if measured and measured[1] > limits[measured[0]]:
            findings.append(Finding("distribution_skew", path, round(measured[1], 6), limits[measured[0]]))
        old = previous.features.get(path) if previous is not None and previous.rows >= min_rows else None
        if old is not None:
            measured = comparer.distance(entry, ref, old, cur)
            if measured and measured[1] > limits[measured[0]]:
                findings.append(
                    Finding("distribution_drift", path, round(measured[1], 6), limits[measured[0]], PREVIOUS)
                )
    for path, stats in window.features.items():
        if path not in schema and stats.present / window.rows > defaults["extra_presence"]:
            sample = [v for values in stats.examples.values() for v in values][:3]
            findings.append(
                Finding(
                    "extra_feature",
                    path,
                    round(stats.present / window.rows, 6),
                    defaults["extra_presence"],
                    examples=sample,
                )
            )
    return findings
