"""Krippendorff's alpha from coincidence matrices, fast enough for a million annotations.

`krippendorff.alpha` builds a units x values x values tensor, which does not fit in memory for
hundreds of thousands of units. Alpha only needs the values x values coincidence matrix, and units
with the same multiset of values ("profiles") contribute identically, so we group units by profile
first: a bootstrap over units becomes a multinomial draw over a few dozen profiles. The formulas are
the package's (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"); for small inputs we
call the package itself, and the tests check both paths agree.

Callers pass the crowd's annotations of regular items (the project frame): alpha is a figure about
the crowd's labels, and gold, exam and practice answers stay out of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import krippendorff
import numpy as np
from scipy import sparse

from labeling.aggregation.frame import AnnotationFrame

LEVELS = ("nominal", "ordinal", "interval", "ratio")
# Above this many cells of the units x values x values tensor we use our own coincidence path.
_PACKAGE_MAX_CELLS = 2_000_000
# Above this many profile x draw cells the bootstrap lowers its number of draws.
_BOOTSTRAP_MAX_CELLS = 60_000_000


@dataclass(frozen=True)
class Profiles:
    """Pairable units grouped by the multiset of values they received.

    codes/counts: profiles x width (codes padded with 0, counts with 0); mult: units per profile.
    """

    codes: np.ndarray
    counts: np.ndarray
    mult: np.ndarray
    n_values: int

    @property
    def units(self) -> int:
        return int(self.mult.sum())


def _unit_value_counts(unit: np.ndarray, code: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (unit, value) counts in long form, sorted by unit: (unit, code, count)."""
    keys, counts = np.unique(unit.astype(np.int64) * n_values + code.astype(np.int64), return_counts=True)
    return keys // n_values, keys % n_values, counts


def padded_counts(unit: np.ndarray, code: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units x width matrices of (code, count) for every unit with at least two values, plus those units' ids."""
    u, c, n = _unit_value_counts(unit, code, n_values)
    if len(u) == 0:
        empty = np.zeros((0, 1), dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    units = u[starts]
    per_unit = np.diff(np.r_[starts, len(u)])
    m = np.add.reduceat(n, starts)
    row = np.repeat(np.arange(len(units)), per_unit)
    col = np.arange(len(u)) - np.repeat(starts, per_unit)
    width = int(per_unit.max())
    codes = np.zeros((len(units), width), dtype=np.int64)
    counts = np.zeros((len(units), width), dtype=np.int64)
    codes[row, col] = c
    counts[row, col] = n
    keep = m >= 2
    return codes[keep], counts[keep], units[keep]


def profiles_from(unit: np.ndarray, code: np.ndarray, n_values: int) -> Profiles:
    codes, counts, _ = padded_counts(unit, code, n_values)
    if len(codes) == 0:
        return Profiles(codes, counts, np.zeros(0, dtype=np.int64), n_values)
    stacked = np.ascontiguousarray(np.concatenate([codes, counts], axis=1))
    # Rows as opaque bytes: np.unique over one void column is far faster than axis=0.
    rows = stacked.view(np.dtype((np.void, stacked.dtype.itemsize * stacked.shape[1]))).ravel()
    _, first, mult = np.unique(rows, return_index=True, return_counts=True)
    uniq = stacked[first]
    width = codes.shape[1]
    return Profiles(uniq[:, :width], uniq[:, width:], mult, n_values)


def _pair_entries(codes: np.ndarray, counts: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row (a unit or profile): flat (c * V + k) indices and weights n_c (n_k - [c=k]) / (m - 1)."""
    m = counts.sum(axis=1)
    width = codes.shape[1]
    eye = np.eye(width, dtype=np.int64)
    weights = counts[:, :, None] * (counts[:, None, :] - eye[None, :, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where((m > 1)[:, None, None], weights / (m - 1)[:, None, None], 0.0)
    index = codes[:, :, None] * n_values + codes[:, None, :]
    return index, weights


def coincidences(profiles: Profiles, weights: np.ndarray | None = None) -> np.ndarray:
    """The V x V coincidence matrix, each profile counted `weights` times (default: its multiplicity)."""
    v = profiles.n_values
    if len(profiles.mult) == 0:
        return np.zeros((v, v))
    index, w = _pair_entries(profiles.codes, profiles.counts, v)
    mult = profiles.mult if weights is None else weights
    flat = np.bincount(index.ravel(), weights=(w * mult[:, None, None]).ravel(), minlength=v * v)
    return flat.reshape(v, v)


def profile_matrix(profiles: Profiles) -> sparse.csr_matrix:
    """Profiles x V^2 sparse matrix of each profile's coincidence contribution."""
    v = profiles.n_values
    index, w = _pair_entries(profiles.codes, profiles.counts, v)
    k, width = profiles.codes.shape
    rows = np.repeat(np.arange(k), width * width)
    return sparse.csr_matrix((w.ravel(), (rows, index.ravel())), shape=(k, v * v))


def distances(domain: np.ndarray | None, level: str, n_v: np.ndarray) -> np.ndarray:
    """Distance matrices for a batch of marginals n_v (..., V) -> (..., V, V), as in the krippendorff package."""
    v = n_v.shape[-1]
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(v), (*n_v.shape[:-1], v, v))
    if level == "ordinal":
        idx = np.arange(v)
        lo = np.minimum(idx[:, None], idx[None, :])
        hi = np.maximum(idx[:, None], idx[None, :])
        cs = np.cumsum(n_v, axis=-1)
        between = cs[..., hi] - cs[..., lo] + n_v[..., lo]
        return (between - (n_v[..., lo] + n_v[..., hi]) / 2.0) ** 2
    values = np.asarray(domain, dtype=float)
    diff = values[:, None] - values[None, :]
    if level == "interval":
        d = diff**2
    elif level == "ratio":
        total = values[:, None] + values[None, :]
        d = np.divide(diff, total, out=np.zeros_like(diff), where=total != 0) ** 2
    else:
        raise ValueError(f"unknown level of measurement {level!r}")
    return np.broadcast_to(d, (*n_v.shape[:-1], v, v))


def alpha_from_coincidences(o: np.ndarray, domain: np.ndarray | None, level: str) -> np.ndarray:
    """Alpha for one (V, V) or a batch (B, V, V) of coincidence matrices; NaN where undefined."""
    n_v = o.sum(axis=-1)
    n = n_v.sum(axis=-1)
    d = distances(domain, level, n_v)
    observed = (o * d).sum(axis=(-2, -1))
    expected = (n_v[..., :, None] * n_v[..., None, :] * d).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1) * observed / expected, np.nan)


def percent_agreement(o: np.ndarray) -> float | None:
    """Observed agreement among pairable values (Krippendorff's A_o = trace(o) / n)."""
    n = o.sum()
    return float(np.trace(o) / n) if n > 0 else None


def _package_alpha(profiles: Profiles, domain: np.ndarray | None, level: str) -> float | None:
    """Alpha by the krippendorff package on the value-counts form (small inputs only)."""
    v = profiles.n_values
    dense = np.zeros((len(profiles.mult), v), dtype=np.int64)
    np.add.at(dense, (np.arange(len(profiles.mult))[:, None], profiles.codes), profiles.counts)
    value_counts = np.repeat(dense, profiles.mult, axis=0)
    value_domain = np.asarray(domain, dtype=float) if level in ("interval", "ratio") else np.arange(v)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # all values equal: alpha undefined, not an error
            value = krippendorff.alpha(value_counts=value_counts, value_domain=value_domain, level_of_measurement=level)
        return float(value)
    except (ValueError, ZeroDivisionError):
        return None


def alpha_point(profiles: Profiles, domain: np.ndarray | None, level: str) -> float | None:
    v = profiles.n_values
    if profiles.units == 0 or v < 2:
        return None
    if profiles.units * v * v <= _PACKAGE_MAX_CELLS:
        value = _package_alpha(profiles, domain, level)
    else:
        value = float(alpha_from_coincidences(coincidences(profiles), domain, level))
    return None if value is None or not np.isfinite(value) else value


def alpha_bootstrap(
    profiles: Profiles, domain: np.ndarray | None, level: str, draws: int, seed: int = 0
) -> tuple[float | None, float | None, int]:
    """95% percentile interval of alpha over units resampled with replacement; returns (low, high, draws)."""
    k = len(profiles.mult)
    if draws <= 0 or k == 0 or profiles.n_values < 2:
        return None, None, 0
    draws = int(min(draws, max(100, _BOOTSTRAP_MAX_CELLS // max(k, 1))))
    rng = np.random.default_rng(seed)
    matrix = profile_matrix(profiles)
    v = profiles.n_values
    p = profiles.mult / profiles.mult.sum()
    values: list[np.ndarray] = []
    chunk = max(1, min(draws, 20_000_000 // max(k + v * v, 1)))
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        counts = rng.multinomial(profiles.units, p, size=size).astype(float)
        o = np.asarray((matrix.T @ counts.T).T).reshape(size, v, v)
        values.append(alpha_from_coincidences(o, domain, level))
        done += size
    sample = np.concatenate(values)
    sample = sample[np.isfinite(sample)]
    if len(sample) == 0:
        return None, None, draws
    low, high = np.percentile(sample, [2.5, 97.5])
    return float(low), float(high), draws


def alpha_leave_one_out(
    unit: np.ndarray, code: np.ndarray, group: np.ndarray, n_values: int, domain: np.ndarray | None, level: str
) -> tuple[np.ndarray, np.ndarray]:
    """Alpha with each group's (e.g. rater's) values left out, for all groups in one vectorized pass.

    Returns (groups, alphas). Each annotation changes only its own unit's contribution to the
    coincidence matrix, so o without group g = o + sum over g's annotations of (after - before).
    """
    groups, g_idx = np.unique(group, return_inverse=True)
    v = n_values
    codes, counts, units = padded_counts(unit, code, v)
    if len(units) == 0 or v < 2:
        return groups, np.full(len(groups), np.nan)
    index, weights = _pair_entries(codes, counts, v)
    o_total = np.bincount(index.ravel(), weights=weights.ravel(), minlength=v * v)
    row = np.searchsorted(units, unit)
    inside = (row < len(units)) & (units[np.minimum(row, len(units) - 1)] == unit)
    row, a_code, a_group = row[inside], code[inside], g_idx[inside]
    col = np.argmax(codes[row] == a_code[:, None], axis=1)
    before_counts = counts[row]
    after_counts = before_counts.copy()
    after_counts[np.arange(len(row)), col] -= 1
    idx_b, w_b = _pair_entries(codes[row], before_counts, v)
    _, w_a = _pair_entries(codes[row], after_counts, v)
    flat = (a_group[:, None, None] * (v * v) + idx_b).ravel()
    delta = np.bincount(flat, weights=(w_a - w_b).ravel(), minlength=len(groups) * v * v)
    o = (o_total[None, :] + delta.reshape(len(groups), v * v)).reshape(len(groups), v, v)
    o = np.clip(o, 0.0, None)
    return groups, alpha_from_coincidences(o, domain, level)


def pairwise(
    unit: np.ndarray,
    code: np.ndarray,
    rater: np.ndarray,
    n_values: int,
    domain: np.ndarray | None,
    level: str,
    min_shared: int = 2,
    max_pairs: int = 2000,
) -> tuple[list[dict], int]:
    """Per rater pair on the units both labeled: shared units, percent agreement and two-rater alpha.

    Returns the pairs with the most shared units first (at most max_pairs) and the total pair count.
    """
    import pandas as pd

    df = pd.DataFrame({"unit": unit, "rater": rater, "code": code})
    pairs = df.merge(df, on="unit", suffixes=("_a", "_b"))
    pairs = pairs[pairs["rater_a"] < pairs["rater_b"]]
    if pairs.empty:
        return [], 0
    pairs = pairs.assign(agree=(pairs["code_a"] == pairs["code_b"]).astype(float))
    stats = pairs.groupby(["rater_a", "rater_b"], sort=False).agg(shared=("unit", "size"), agree=("agree", "mean"))
    total = len(stats)
    stats = stats[stats["shared"] >= min_shared].sort_values("shared", ascending=False, kind="stable")
    stats = stats.head(max(1, min(max_pairs, 20_000_000 // max(n_values * n_values, 1))))
    stats = stats.assign(pair=np.arange(len(stats)))
    keyed = pairs.join(stats["pair"], on=["rater_a", "rater_b"], how="inner")
    v = n_values
    p = keyed["pair"].to_numpy()
    a = keyed["code_a"].to_numpy()
    b = keyed["code_b"].to_numpy()
    o = (
        np.bincount(np.r_[p * v * v + a * v + b, p * v * v + b * v + a], minlength=len(stats) * v * v)
        .reshape(len(stats), v, v)
        .astype(float)
    )
    alphas = alpha_from_coincidences(o, domain, level) if v >= 2 else np.full(len(stats), np.nan)
    out = [
        {
            "rater_a": int(ra),
            "rater_b": int(rb),
            "shared_units": int(row.shared),
            "percent_agreement": round(float(row.agree), 4),
            "alpha": None if not np.isfinite(al) else round(float(al), 4),
        }
        for ((ra, rb), row), al in zip(stats.iterrows(), alphas, strict=True)
    ]
    return out, total


def rounded(value: float | None, digits: int = 4) -> float | None:
    """A figure for a report: rounded, None where undefined."""
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def applicable_levels(*, label_type: str, measurement_level: str, numeric: np.ndarray | None) -> list[str]:
    """Levels at or below `measurement_level` that the values support (`numeric`: each value's number)."""
    if label_type == "multi":
        return ["nominal"]
    levels = []
    for level in LEVELS[: LEVELS.index(measurement_level) + 1]:
        if level in ("interval", "ratio") and numeric is None:
            continue
        if level == "ratio" and numeric is not None and len(numeric) and numeric.min() < 0:
            continue
        levels.append(level)
    return levels


def alpha_summary(frame: AnnotationFrame, levels: list[str], bootstrap: int, seed: int = 0) -> dict[str, dict]:
    """Per level: alpha, its bootstrap interval and the number of draws the interval used."""
    profiles = profiles_from(frame.item, frame.code, frame.n_values)
    out: dict[str, dict] = {}
    for level in levels:
        value = alpha_point(profiles, frame.numeric, level)
        low, high, draws = alpha_bootstrap(profiles, frame.numeric, level, bootstrap, seed=seed)
        out[level] = {"alpha": rounded(value), "ci_low": rounded(low), "ci_high": rounded(high), "bootstrap": draws}
    return out
