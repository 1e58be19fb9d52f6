"""datasets/services/splits.py: deterministic, key-only splits with the set fractions."""

from __future__ import annotations

from collections import Counter

import pytest

from datasets.models import DatasetRow
from datasets.services.build import dataset_build
from datasets.services.splits import split_for_key
from tests.datasets.conftest import add_labeled_items


def test_split_depends_only_on_key_seed_and_fractions():
    keys = [f"project/item-{n}" for n in range(20_000)]
    first = [split_for_key(key=k, seed="s", train_fraction=0.7, validation_fraction=0.2) for k in keys]
    second = [split_for_key(key=k, seed="s", train_fraction=0.7, validation_fraction=0.2) for k in reversed(keys)]
    assert first == list(reversed(second))

    counts = Counter(first)
    assert abs(counts["train"] / len(keys) - 0.7) < 0.015
    assert abs(counts["validation"] / len(keys) - 0.2) < 0.015
    assert abs(counts["test"] / len(keys) - 0.1) < 0.015

    other_seed = [split_for_key(key=k, seed="t", train_fraction=0.7, validation_fraction=0.2) for k in keys]
    assert other_seed != first


@pytest.mark.django_db
def test_an_item_keeps_its_split_when_the_dataset_grows(dataset, labeled_project, raters):
    before = dataset_build(dataset=dataset)
    add_labeled_items(labeled_project, raters[:3], {f"new-{n}": "a" for n in range(20)})
    after = dataset_build(dataset=dataset)

    old_splits = dict(DatasetRow.objects.filter(version=before).values_list("key", "split"))
    new_splits = dict(DatasetRow.objects.filter(version=after).values_list("key", "split"))
    assert len(new_splits) == 50
    assert {key: new_splits[key] for key in old_splits} == old_splits
