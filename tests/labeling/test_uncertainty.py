"""The active-learning scores: margin and entropy over probability vectors (pure functions)."""

from __future__ import annotations

import numpy as np
import pytest

from labeling.aggregation.uncertainty import PRIORITY_SCALE, entropy_uncertainty, margin_uncertainty, to_priority


def test_margin_is_one_on_a_tie_and_zero_when_certain():
    proba = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.6, 0.3, 0.1]])
    assert margin_uncertainty(proba) == pytest.approx([1.0, 0.0, 0.7])


def test_entropy_is_normalised_by_the_number_of_labels():
    proba = np.array([[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    scores = entropy_uncertainty(proba)
    assert scores[0] == pytest.approx(1.0) and scores[1] == pytest.approx(0.0)
    assert scores[2] == pytest.approx(np.log(2) / np.log(3))


def test_orders_agree_on_the_extremes_and_map_to_the_integer_range():
    proba = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25]])
    for scores in (margin_uncertainty(proba), entropy_uncertainty(proba)):
        assert scores[1] > scores[0]
    assert to_priority(np.array([0.0, 0.5, 1.0, 2.0])).tolist() == [
        0,
        PRIORITY_SCALE // 2,
        PRIORITY_SCALE,
        PRIORITY_SCALE,
    ]
