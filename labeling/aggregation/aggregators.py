"""Vectorized consensus methods over an AnnotationFrame: one pass for the whole project.

Every aggregator returns an `Aggregate`: per item the label (a domain code, or a number for numeric
projects), a confidence in [0, 1], a soft label (per-code probabilities or vote shares), a tie flag,
and for reliability-based methods the per-rater parameters fitted on all items at once.

"All items" means the frame's items, and a project's frame holds regular items only: gold, exam and
practice answers neither get a consensus nor shape the rater parameters that weigh the crowd.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labeling.aggregation import dawid_skene as ds
from labeling.aggregation.dawid_skene import unique_inverse
from labeling.aggregation.frame import AnnotationFrame

_TIE_EPS = 1e-9


@dataclass
class Aggregate:
    method: str
    items: np.ndarray  # sorted item ids
    counts: np.ndarray  # annotations per item
    label_code: np.ndarray  # domain code of the label (-1 for numeric results)
    label_number: np.ndarray | None  # numeric result (median/mean of numbers)
    confidence: np.ndarray
    proba: np.ndarray  # items x V soft label (or items x len(dist_keys) summary for numbers)
    tie: np.ndarray
    dist_keys: list[str] | None = None  # set when proba holds a numeric summary, not per-code shares
    reliability: dict[int, float] = field(default_factory=dict)
    confusion: dict[int, np.ndarray] = field(default_factory=dict)  # rater -> V x V [true, observed]
    priors: np.ndarray | None = None
    extra: dict = field(default_factory=dict)  # e.g. the EM's iteration count


def _index(frame: AnnotationFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    items, item_idx = unique_inverse(frame.item)
    return items, item_idx, np.bincount(item_idx, minlength=len(items))


def _votes(frame: AnnotationFrame, item_idx: np.ndarray, n_items: int, weights: np.ndarray | None = None) -> np.ndarray:
    v = frame.n_values
    flat = np.bincount(item_idx * v + frame.code, weights=weights, minlength=n_items * v)
    return flat.reshape(n_items, v).astype(float)


def _from_scores(method: str, items: np.ndarray, counts: np.ndarray, scores: np.ndarray) -> Aggregate:
    totals = scores.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        proba = np.where(totals > 0, scores / totals, 0.0)
    top = proba.max(axis=1)
    tie = (proba >= top[:, None] - _TIE_EPS).sum(axis=1) > 1
    return Aggregate(
        method=method,
        items=items,
        counts=counts,
        label_code=proba.argmax(axis=1),
        label_number=None,
        confidence=top,
        proba=proba,
        tie=tie,
    )


def majority_vote(frame: AnnotationFrame) -> Aggregate:
    items, item_idx, counts = _index(frame)
    return _from_scores("majority", items, counts, _votes(frame, item_idx, len(items)))


def agreement_with(frame: AnnotationFrame, items: np.ndarray, label_code: np.ndarray) -> dict[int, float]:
    """Share of each rater's labels equal to the given per-item labels (Wawa's skill)."""
    idx = np.searchsorted(items, frame.item)
    hit = (label_code[idx] == frame.code).astype(float)
    raters, r_idx = np.unique(frame.rater, return_inverse=True)
    share = np.bincount(r_idx, weights=hit) / np.bincount(r_idx)
    return dict(zip(raters.tolist(), share.tolist(), strict=True))


def weighted_vote(frame: AnnotationFrame, reliability: dict[int, float], default: float | None = None) -> Aggregate:
    """Votes weighted by each rater's reliability; unknown raters get the mean (or `default`)."""
    items, item_idx, counts = _index(frame)
    fallback = default if default is not None else (float(np.mean(list(reliability.values()))) if reliability else 1.0)
    raters, r_idx = np.unique(frame.rater, return_inverse=True)
    w = np.array([reliability.get(int(r), fallback) for r in raters], dtype=float)[r_idx]
    w = np.maximum(w, 1e-6)
    agg = _from_scores("weighted", items, counts, _votes(frame, item_idx, len(items), w))
    agg.reliability = {int(r): float(reliability.get(int(r), fallback)) for r in raters}
    return agg


def wawa(frame: AnnotationFrame) -> Aggregate:
    """Reliability-weighted vote: skills fitted by crowd-kit's Wawa (agreement with the majority) on all items."""
    from crowdkit.aggregation import Wawa

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(inplace|copy) keyword.*")
        model = Wawa().fit(pd.DataFrame({"task": frame.item, "worker": frame.rater, "label": frame.code}))
    skills = {int(k): float(v) for k, v in model.skills_.items()}
    return weighted_vote(frame, skills)


def dawid_skene(frame: AnnotationFrame, n_iter: int = 100, tol: float = 1e-5) -> Aggregate:
    """Dawid-Skene fitted on every item of the project at once (crowd-kit's EM, vectorized in numpy)."""
    v = frame.n_values
    items, item_idx, counts = _index(frame)
    fit = ds.fit(item_idx, frame.rater, frame.code, n_iter=n_iter, tol=tol)
    proba = np.zeros((len(items), v))
    proba[:, fit.labels] = fit.probas
    agg = _from_scores("dawid_skene", items, counts, proba)
    priors = np.zeros(v)
    priors[fit.labels] = fit.priors
    matrices = np.zeros((len(fit.workers), v, v))  # [worker, true, observed]
    matrices[np.ix_(np.arange(len(fit.workers)), fit.labels, fit.labels)] = fit.errors.transpose(0, 2, 1)
    accuracy = np.clip((matrices[:, np.arange(v), np.arange(v)] * priors[None, :]).sum(axis=1), 0.0, 1.0)
    agg.priors = priors
    agg.confusion = {int(w): matrices[i] for i, w in enumerate(fit.workers)}
    agg.reliability = {int(w): float(accuracy[i]) for i, w in enumerate(fit.workers)}
    agg.extra = {"iterations": fit.n_iter}
    return agg


def dawid_skene_crowdkit(frame: AnnotationFrame, n_iter: int = 100, tol: float = 1e-5) -> pd.DataFrame:
    """crowd-kit's own DawidSkene posteriors (items x codes): the reference the numpy fit is tested against."""
    from crowdkit.aggregation import DawidSkene

    items, item_idx, _ = _index(frame)
    data = pd.DataFrame({"task": item_idx, "worker": frame.rater, "label": frame.code})
    with warnings.catch_warnings():
        # crowd-kit 1.4.2 uses pandas keywords that pandas 3 deprecates; the results are unaffected.
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*(inplace|copy) keyword.*")
        model = DawidSkene(n_iter=n_iter, tol=tol).fit(data)
    probas = model.probas_.reindex(columns=range(frame.n_values), fill_value=0.0).sort_index()
    probas.index = items[probas.index.to_numpy()]
    probas.attrs["iterations"] = len(model.loss_history_)
    return probas


def dawid_skene_posterior(
    frame: AnnotationFrame,
    priors: np.ndarray,
    confusion: dict[int, np.ndarray],
    reliability: dict[int, float],
) -> Aggregate:
    """The Dawid-Skene E-step with stored parameters: resolves new items without refitting.

    A rater the fit has not seen gets a one-coin matrix from their stored reliability (or the mean).
    """
    v = frame.n_values
    items, item_idx, counts = _index(frame)
    mean_rel = float(np.mean(list(reliability.values()))) if reliability else 0.7
    log_lik = np.tile(np.log(np.clip(priors, 1e-10, None)), (len(items), 1))
    for i in range(len(frame)):
        matrix = confusion.get(int(frame.rater[i]))
        if matrix is None or matrix.shape != (v, v):
            r = reliability.get(int(frame.rater[i]), mean_rel)
            matrix = np.full((v, v), (1 - r) / max(v - 1, 1))
            np.fill_diagonal(matrix, r)
        log_lik[item_idx[i]] += np.log(np.clip(matrix[:, frame.code[i]], 1e-10, None))
    log_lik -= log_lik.max(axis=1, keepdims=True)
    agg = _from_scores("dawid_skene", items, counts, np.exp(log_lik))
    agg.reliability = reliability
    return agg


def _sorted_by_item(frame: AnnotationFrame, keys: np.ndarray):
    items, item_idx, counts = _index(frame)
    order = np.lexsort((keys, item_idx))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    return items, item_idx, counts, keys[order], starts


def median(frame: AnnotationFrame) -> Aggregate:
    """Median: of numbers for numeric projects, of ranks for ordinal ones (a split middle pair is a tie)."""
    numeric = frame.values is not None
    keys = frame.values if numeric else frame.code.astype(float)
    items, item_idx, counts, ordered, starts = _sorted_by_item(frame, keys)
    low = ordered[starts + (counts - 1) // 2]
    high = ordered[starts + counts // 2]
    if numeric:
        return _numeric_result("median", frame, items, item_idx, counts, (low + high) / 2.0)
    agg = _code_result("median", frame, items, item_idx, counts, low.astype(int))
    agg.tie = low != high
    return agg


def mean(frame: AnnotationFrame) -> Aggregate:
    keys = frame.values if frame.values is not None else frame.code.astype(float)
    items, item_idx, counts = _index(frame)
    means = np.bincount(item_idx, weights=keys) / counts
    if frame.values is not None:
        return _numeric_result("mean", frame, items, item_idx, counts, means)
    rounded = np.floor(means + 0.5).astype(int)
    agg = _code_result("mean", frame, items, item_idx, counts, rounded)
    agg.tie = np.isclose(means - np.floor(means), 0.5)
    return agg


def _code_result(method, frame, items, item_idx, counts, label_code) -> Aggregate:
    shares = _votes(frame, item_idx, len(items)) / counts[:, None]
    confidence = shares[np.arange(len(items)), label_code]
    return Aggregate(method, items, counts, label_code, None, confidence, shares, np.zeros(len(items), bool))


NUMERIC_SUMMARY = ["n", "mean", "median", "std", "min", "max"]


def _numeric_summary(frame: AnnotationFrame, items: np.ndarray, item_idx: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per item n, mean, median, std, min, max of the numbers: the soft label of a numeric project."""
    order = np.lexsort((frame.values, item_idx))
    ordered = frame.values[order]
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    mean_ = np.bincount(item_idx, weights=frame.values) / counts
    sq = np.bincount(item_idx, weights=frame.values**2) / counts
    median_ = (ordered[starts + (counts - 1) // 2] + ordered[starts + counts // 2]) / 2.0
    std = np.sqrt(np.maximum(sq - mean_**2, 0.0))
    return np.column_stack([counts, mean_, median_, std, ordered[starts], ordered[starts + counts - 1]])


def _numeric_result(method, frame, items, item_idx, counts, result) -> Aggregate:
    """Confidence for numbers: share of annotations within 10% of the value range of the result."""
    numeric = frame.numeric if frame.numeric is not None else np.zeros(1)
    scale = frame.extra.get("scale") or (float(numeric.max() - numeric.min()) if len(numeric) else 0.0)
    tolerance = 0.1 * scale
    near = np.abs(frame.values - result[item_idx]) <= tolerance + 1e-12
    confidence = np.bincount(item_idx, weights=near.astype(float)) / counts
    summary = _numeric_summary(frame, items, item_idx, counts)
    agg = Aggregate(
        method, items, counts, np.full(len(items), -1), result, confidence, summary, np.zeros(len(items), bool)
    )
    agg.dist_keys = NUMERIC_SUMMARY
    return agg
