"""datasets/services/erasure.py: erasure purges every version that holds a user, and is recorded there."""

from __future__ import annotations

import pytest

from datasets.models import DatasetErasure, DatasetRow, ErasedSubject
from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from datasets.services.erasure import dataset_rows_erase_feedback_user, dataset_rows_erase_rater
from datasets.services.pseudonyms import rater_pseudonyms
from datasets.services.summary import version_content_hash
from tests.datasets.conftest import add_direct_labels


@pytest.fixture
def direct_dataset(db):
    add_direct_labels(
        "ranker",
        [
            {
                "request_id": "req-1",
                "label": 1.0,
                "user_id": "u-alice",
                "features": {"country": "de"},
                "events": ["e1"],
            },
            {"request_id": "req-2", "label": 0.0, "user_id": "u-alice", "features": {"country": "de"}},
            {"request_id": "req-3", "label": 1.0, "user_id": "u-bob", "features": {"country": "fr"}},
            {"request_id": "req-4", "label": 0.0, "user_id": None, "features": {"country": "fr"}},
        ],
    )
    return dataset_create(name="ds-direct", direct_model="ranker")


@pytest.mark.django_db
def test_direct_label_rows_carry_their_lineage(direct_dataset):
    version = dataset_build(dataset=direct_dataset)

    assert version.row_count == 4 and version.label_counts == {"0.0": 2, "1.0": 2}
    assert version.feature_counts == {"country": {"de": 2, "fr": 2}}
    row = DatasetRow.objects.get(version=version, key="request:req-1")
    assert row.source == "direct" and row.label == 1.0 and row.request_id == "req-1"
    assert row.feedback_event_ids == ["e1"] and row.rule_version == "1" and row.model_version == "m-1"
    assert row.downsampling_rate == 0.5 and row.features == {"country": "de"}
    assert row.window_start < row.window_end
    assert "u-alice" not in str(row.subjects) and len(row.subjects) == 1


@pytest.mark.django_db
def test_erasing_a_feedback_user_purges_every_version_and_records_it(direct_dataset):
    # Given two versions that both hold alice's two rows
    first = dataset_build(dataset=direct_dataset)
    second = dataset_build(dataset=direct_dataset)
    before = first.content_hash

    # When alice is erased
    removed = dataset_rows_erase_feedback_user(user_id="u-alice")

    # Then her rows are gone from both versions, whose figures and hashes follow
    assert removed == 4
    for version in (first, second):
        version.refresh_from_db()
        keys = set(DatasetRow.objects.filter(version=version).values_list("key", flat=True))
        assert keys == {"request:req-3", "request:req-4"}
        assert version.row_count == 2 and version.label_counts == {"0.0": 1, "1.0": 1}
        assert version.content_hash == version_content_hash(version_id=version.pk) != before
        # And the erasure is recorded on the version, without the raw user id
        erasure = DatasetErasure.objects.get(version=version)
        assert (erasure.subject_kind, erasure.rows_removed, erasure.hash_before) == ("feedback_user", 2, before)
        assert erasure.hash_after == version.content_hash and "u-alice" not in erasure.subject_token
    # And a later build leaves her out, while erasing an unknown user changes nothing
    assert ErasedSubject.objects.filter(subject_kind="feedback_user").count() == 1
    assert dataset_build(dataset=direct_dataset).row_count == 2
    assert dataset_rows_erase_feedback_user(user_id="u-nobody") == 0


@pytest.mark.django_db
def test_erasing_a_rater_redacts_their_pseudonym(dataset, raters):
    version = dataset_build(dataset=dataset)
    pseudonym = rater_pseudonyms(user_ids={raters[0].pk})[raters[0].pk]
    assert DatasetRow.objects.filter(version=version, rater_ids__contains=[pseudonym]).count() == 30

    redacted = dataset_rows_erase_rater(user_id=raters[0].pk)

    assert redacted == 30
    assert not DatasetRow.objects.filter(version=version, rater_ids__contains=[pseudonym]).exists()
    row = DatasetRow.objects.get(version=version, key="ds-project/item-001")
    assert row.rater_ids[0] == "erased" and row.label == "a" and len(row.rater_ids) == 3
    erasure = DatasetErasure.objects.get(version=version)
    assert erasure.rows_redacted == 30 and erasure.rows_removed == 0
    version.refresh_from_db()
    assert version.row_count == 30 and version.content_hash == erasure.hash_after != erasure.hash_before
    # A later build redacts them too
    later = dataset_build(dataset=dataset)
    assert not DatasetRow.objects.filter(version=later, rater_ids__contains=[pseudonym]).exists()
