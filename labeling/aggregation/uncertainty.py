"""How unsure a model is of an item, from its class probabilities: the active-learning order.

Pure numpy, shared by the live queue (`labeling.services.predictions`) and the replay benchmark
(`bench/active_learning.py`), so the benchmark measures the order the queue really uses.
Both scores are in [0, 1], higher meaning less sure, so they map onto one priority range.
"""

from __future__ import annotations

import numpy as np

PRIORITY_SCALE = 1_000_000  # Item.priority is an integer: uncertainty 1.0 -> this priority


def margin_uncertainty(proba: np.ndarray) -> np.ndarray:
    """1 - (p_first - p_second) per row: 1 when the two likeliest labels tie, 0 when one label is certain."""
    proba = np.atleast_2d(np.asarray(proba, dtype=float))
    if proba.shape[1] < 2:
        return np.zeros(len(proba))
    top = -np.partition(-proba, 1, axis=1)[:, :2]
    return np.clip(1.0 - (top[:, 0] - top[:, 1]), 0.0, 1.0)


def entropy_uncertainty(proba: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Shannon entropy per row over the label set, divided by log(n_classes) so a uniform row scores 1."""
    proba = np.atleast_2d(np.asarray(proba, dtype=float))
    k = n_classes or proba.shape[1]
    if k < 2:
        return np.zeros(len(proba))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(proba > 0, -proba * np.log(proba), 0.0)
    return np.clip(terms.sum(axis=1) / np.log(k), 0.0, 1.0)


def uncertainty(proba: np.ndarray, method: str, n_classes: int | None = None) -> np.ndarray:
    """`method` is "margin" or "entropy"."""
    if method == "margin":
        return margin_uncertainty(proba)
    if method == "entropy":
        return entropy_uncertainty(proba, n_classes)
    raise ValueError(f"unknown uncertainty method {method!r}")


def to_priority(scores: np.ndarray) -> np.ndarray:
    """Uncertainty in [0, 1] -> integer priority in [0, PRIORITY_SCALE] (the queue serves higher first)."""
    return np.rint(np.clip(np.asarray(scores, dtype=float), 0.0, 1.0) * PRIORITY_SCALE).astype(np.int64)
