"""datasets/services/build.py and sources.py: snapshots, figures, lineage, filters, same hash on rebuild."""

from __future__ import annotations

from datetime import timedelta

import pytest

from datasets.models import DatasetRow, DatasetVersion, VersionStatus
from datasets.services.build import dataset_build, dataset_version_build, dataset_version_create
from datasets.services.definitions import dataset_create
from datasets.services.pseudonyms import rater_pseudonyms
from labeling.models import ResolutionKind
from tests.datasets.conftest import add_labeled_items, relabel


@pytest.mark.django_db
def test_build_snapshots_rows_with_figures_and_lineage(dataset, labeled_project, raters):
    # Given 30 resolved items (20 "a", 10 "b"), each labeled by three raters
    # When the dataset is built
    version = dataset_build(dataset=dataset)

    # Then the version is ready, numbered, hashed, and its figures describe the rows
    assert version.status == VersionStatus.READY and version.number == 1 and version.progress == 1.0
    assert len(version.content_hash) == 64
    assert version.row_count == 30 == DatasetRow.objects.filter(version=version).count()
    assert sum(version.split_counts.values()) == 30
    assert version.label_counts == {"a": 20, "b": 10}
    assert version.definition["projects"] == [{"id": labeled_project.pk, "name": "ds-project"}]
    assert version.newest_label_at is not None and version.median_label_at is not None
    # And each row carries the soft label and the lineage, raters by pseudonym only
    row = DatasetRow.objects.get(version=version, key="ds-project/item-001")
    assert row.label == "a" and row.soft_label_classes == ["a", "b"] and row.soft_label_probs == [0.75, 0.25]
    assert row.method == "majority" and row.kind == "automatic" and row.annotation_count == 3
    pseudonyms = rater_pseudonyms(user_ids={r.pk for r in raters[:3]})
    assert row.rater_ids == [pseudonyms[r.pk] for r in raters[:3]]
    assert not any(r.username in row.rater_ids for r in raters)
    assert row.input == {"text": "text of item-001"} and row.item_external_id == "item-001"


@pytest.mark.django_db
def test_rebuild_from_same_inputs_gives_same_hash(dataset, labeled_project):
    first = dataset_build(dataset=dataset)
    second = dataset_build(dataset=dataset)

    assert second.number == 2 and second.parent == first
    assert second.content_hash == first.content_hash

    # A relabeled item changes the hash
    relabel(labeled_project.items.get(external_id="item-004"), "b")
    third = dataset_build(dataset=dataset)
    assert third.content_hash != first.content_hash


@pytest.mark.django_db
def test_progress_is_reported_per_chunk(dataset):
    version = dataset_version_create(dataset=dataset)
    seen = []

    dataset_version_build(version=version, chunk_size=7, on_progress=lambda done, total: seen.append((done, total)))

    assert seen == [(7, 30), (14, 30), (21, 30), (28, 30), (30, 30)]
    version.refresh_from_db()
    assert version.progress == 1.0


@pytest.mark.django_db
def test_filters_confidence_adjudication_instruction_versions_and_time(project, raters, instruction_version):
    add_labeled_items(project, raters[:2], {"low": "a"}, confidence=0.4)
    add_labeled_items(project, raters[:2], {"high": "a"}, confidence=0.9, instruction_version=instruction_version)
    add_labeled_items(project, raters[:2], {"adj": "b"}, kind=ResolutionKind.ADJUDICATION, confidence=1.0)
    add_labeled_items(project, raters[:2], {"old": "b"}, confidence=0.95, label_age=timedelta(days=30))

    def keys(**filters):
        dataset = dataset_create(name=f"ds-{len(filters)}-{'-'.join(filters)}", project_ids=[project.pk], **filters)
        version = dataset_build(dataset=dataset)
        return sorted(row.key.split("/")[1] for row in DatasetRow.objects.filter(version=version))

    assert keys() == ["adj", "high", "low", "old"]
    assert keys(min_confidence=0.8) == ["adj", "high", "old"]
    assert keys(adjudicated_only=True) == ["adj"]
    assert keys(instruction_versions=[1]) == ["high"]
    from django.utils import timezone

    assert keys(label_from=timezone.now() - timedelta(days=1)) == ["adj", "high", "low"]


@pytest.mark.django_db
def test_failed_build_leaves_no_rows(dataset, monkeypatch):
    version = dataset_version_create(dataset=dataset)

    def broken(**kwargs):
        raise RuntimeError("hash store down")

    monkeypatch.setattr("datasets.services.build.version_content_hash", broken)
    with pytest.raises(RuntimeError):
        dataset_version_build(version=version, chunk_size=10)

    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED and "hash store down" in version.error
    assert not DatasetRow.objects.filter(version=version).exists()
    # A later build still works and does not take the failed version as parent
    monkeypatch.undo()
    assert dataset_build(dataset=dataset).parent is None
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 2
