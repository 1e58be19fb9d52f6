"""datasets/selectors/drift.py: diff counts, Chebyshev distance, drift warnings."""

from __future__ import annotations

import pytest

from datasets.selectors.drift import chebyshev_distance, version_drift, versions_diff
from datasets.services.build import dataset_build
from labeling.models import Item, Resolution
from tests.datasets.conftest import add_labeled_items, relabel


def test_chebyshev_distance_on_a_known_pair():
    # |0.5-0.2|=0.3, |0.3-0.3|=0, |0.2-0.4|=0.2, |0-0.1|=0.1  -> max 0.3
    p = {"a": 0.5, "b": 0.3, "c": 0.2}
    q = {"a": 0.2, "b": 0.3, "c": 0.4, "d": 0.1}
    assert chebyshev_distance(p, q) == pytest.approx(0.3)
    assert chebyshev_distance(q, p) == pytest.approx(0.3)
    assert chebyshev_distance(p, p) == 0.0
    assert chebyshev_distance({"x": 1.0}, {"y": 1.0}) == 1.0
    assert chebyshev_distance({}, {}) == 0.0


@pytest.mark.django_db
def test_diff_counts_on_a_constructed_pair_of_versions(dataset, labeled_project, raters):
    # Given version 1 with 30 rows (item-000..029: 20 "a", 10 "b")
    old = dataset_build(dataset=dataset)
    # When 4 rows are relabeled, 3 removed (no current resolution) and 5 added
    for external_id in ("item-001", "item-002", "item-004", "item-005"):
        relabel(Item.objects.get(project=labeled_project, external_id=external_id), "b")
    Resolution.objects.filter(item__external_id__in=["item-010", "item-011", "item-013"]).update(is_current=False)
    add_labeled_items(labeled_project, raters[:3], {f"extra-{n}": "b" for n in range(5)})
    new = dataset_build(dataset=dataset)

    # Then the diff counts them exactly
    diff = versions_diff(old=old, new=new)
    assert (diff["added"], diff["removed"], diff["relabeled"], diff["unchanged"]) == (5, 3, 4, 23)
    assert diff["samples"]["added"] == [f"ds-project/extra-{n}" for n in range(5)]
    assert diff["samples"]["removed"] == ["ds-project/item-010", "ds-project/item-011", "ds-project/item-013"]
    assert [r["key"] for r in diff["samples"]["relabeled"]] == [
        "ds-project/item-001", "ds-project/item-002", "ds-project/item-004", "ds-project/item-005",
    ]  # fmt: skip
    # And the distributions and their L-infinity distance: old a=20/30, new a=(20-4-3)/32
    assert diff["label_distribution"]["old"] == pytest.approx({"a": 20 / 30, "b": 10 / 30})
    assert diff["label_distribution"]["new"] == pytest.approx({"a": 13 / 32, "b": 19 / 32})
    assert diff["label_distance"] == pytest.approx(20 / 30 - 13 / 32)
    assert diff["warning"] is True  # 0.26 > default threshold 0.1


@pytest.mark.django_db
def test_version_drift_compares_with_parent_and_respects_threshold(dataset, labeled_project):
    first = dataset_build(dataset=dataset)
    assert version_drift(version=first)["parent"] is None
    assert version_drift(version=first)["warning"] is False

    relabel(Item.objects.get(project=labeled_project, external_id="item-001"), "b")
    second = dataset_build(dataset=dataset)
    drift = version_drift(version=second)
    assert drift["parent"] == 1
    assert drift["label_distance"] == pytest.approx(1 / 30)
    assert drift["warning"] is False

    dataset.drift_threshold = 0.02
    dataset.save()
    second.dataset.refresh_from_db()
    assert version_drift(version=second)["warning"] is True


@pytest.mark.django_db
def test_feature_drift_of_direct_labels():
    from datasets.services.definitions import dataset_create
    from tests.datasets.conftest import add_direct_labels

    add_direct_labels("ranker", [
        {"request_id": f"a-{n}", "label": 1.0, "features": {"country": "de", "score": n}} for n in range(3)
    ] + [{"request_id": "a-9", "label": 0.0, "features": {"country": "fr", "score": 9}}])  # fmt: skip
    dataset = dataset_create(name="ds-features", direct_model="ranker", drift_threshold=0.2)
    first = dataset_build(dataset=dataset)
    add_direct_labels(
        "ranker", [{"request_id": f"b-{n}", "label": 0.0, "features": {"country": "fr"}} for n in range(4)]
    )
    second = dataset_build(dataset=dataset)

    drift = version_drift(version=second)
    # country: de 3/4 -> 3/8, fr 1/4 -> 5/8: L-inf 0.375; numeric "score" is not categorical
    assert drift["feature_distances"] == pytest.approx({"country": 0.375})
    assert drift["drifted_features"] == ["country"]
    # labels: 1.0 3/4 -> 3/8
    assert drift["label_distance"] == pytest.approx(0.375) and drift["warning"] is True
    assert first.feature_counts == {"country": {"de": 3, "fr": 1}}
