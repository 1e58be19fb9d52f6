"""The numpy Dawid-Skene against crowd-kit's own, on the real Snow et al. (2008) labels and on simulated raters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labeling.aggregation import aggregators, dawid_skene
from labeling.aggregation.frame import AnnotationFrame


def frame_of(items, raters, labels, n_values: int) -> AnnotationFrame:
    return AnnotationFrame(
        item=np.asarray(items, dtype=np.int64),
        rater=np.asarray(raters, dtype=np.int64),
        version=np.full(len(items), -1, dtype=np.int64),
        code=np.asarray(labels, dtype=np.int64),
        domain=[f"c{i}" for i in range(n_values)],
        numeric=None,
        label_type="single",
    )


def snow_frame(path) -> tuple[AnnotationFrame, np.ndarray]:
    df = pd.read_csv(path, sep="\t", dtype=str)
    items, item_ids = pd.factorize(df["orig_id"])
    raters = pd.factorize(df["!amt_worker_ids"])[0]
    codes, values = pd.factorize(df["response"], sort=True)
    gold = df.groupby("orig_id")["gold"].first().loc[item_ids]
    return frame_of(items + 100, raters + 7, codes, len(values)), np.searchsorted(values, gold.to_numpy())


@pytest.mark.parametrize("filename", ["rte.standardized.tsv", "temp.standardized.tsv"])
def test_same_posteriors_and_labels_as_crowdkit_on_snow2008(shared_data, filename):
    frame, gold = snow_frame(shared_data / "snow2008" / filename)

    ours = aggregators.dawid_skene(frame)
    reference = aggregators.dawid_skene_crowdkit(frame)

    assert np.array_equal(reference.index.to_numpy(), ours.items)
    assert ours.extra["iterations"] == reference.attrs["iterations"]
    assert np.array_equal(ours.label_code, reference.to_numpy().argmax(axis=1))
    np.testing.assert_allclose(ours.proba, reference.to_numpy(), atol=1e-9)
    assert (ours.label_code == gold).mean() >= (0.925 if filename.startswith("rte") else 0.94)


def test_same_fit_as_crowdkit_with_unused_labels_and_uneven_raters():
    # Simulated raters of varied accuracy; label 4 of the domain is never used
    rng = np.random.default_rng(3)
    n_items, raters = 400, 25
    truth = rng.integers(0, 4, n_items)
    accuracy = rng.uniform(0.4, 0.95, raters)
    items = np.repeat(np.arange(n_items), 3)
    rater = (rng.integers(0, raters, n_items)[items] + np.tile(np.arange(3), n_items) * 7) % raters
    labels = np.where(rng.random(len(items)) < accuracy[rater], truth[items], rng.integers(0, 4, len(items)))
    frame = frame_of(items, rater, labels, 5)

    ours = aggregators.dawid_skene(frame)
    reference = aggregators.dawid_skene_crowdkit(frame)

    np.testing.assert_allclose(ours.proba, reference.to_numpy(), atol=1e-9)
    assert ours.proba[:, 4].max() == 0 and ours.priors[4] == 0
    # Confusion rows are P(observed | true): each sums to one over the labels the rater used
    matrix = ours.confusion[int(rater[0])]
    np.testing.assert_allclose(matrix[:4].sum(axis=1), 1.0)
    assert (ours.label_code == truth).mean() > 0.8


def test_unique_inverse_matches_numpy():
    values = np.array([9, 3, 3, 7, 9, 1], dtype=np.int64)
    uniques, inverse = dawid_skene.unique_inverse(values)
    expected, expected_inverse = np.unique(values, return_inverse=True)
    assert np.array_equal(uniques, expected) and np.array_equal(inverse, expected_inverse)
