"""Built versions and their rows refuse every change: ORM (model guard) and raw SQL (database trigger)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from datasets.models import DatasetRow, DatasetVersion, ImmutableVersionError
from datasets.services.build import dataset_build


@pytest.fixture
def version(dataset):
    return dataset_build(dataset=dataset)


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_orm_update_and_delete_of_rows_are_refused(version):
    row = DatasetRow.objects.get(version=version, key="ds-project/item-001")
    assert row.label == "a"

    with pytest.raises(ImmutableVersionError):
        DatasetRow.objects.filter(version=version).update(label="b")
    with pytest.raises(ImmutableVersionError):
        DatasetRow.objects.filter(version=version).delete()
    row.label = "b"
    with pytest.raises(ImmutableVersionError):
        row.save()
    with pytest.raises(ImmutableVersionError):
        row.delete()
    row.refresh_from_db()
    assert row.label == "a"


@pytest.mark.django_db
def test_raw_sql_update_delete_and_insert_of_rows_are_refused_by_the_database(version):
    row = DatasetRow.objects.filter(version=version).first()

    with pytest.raises(IntegrityError, match="immutable"):
        _raw("UPDATE datasets_datasetrow SET label = '\"b\"' WHERE id = %s", [row.pk])
    with pytest.raises(IntegrityError, match="immutable"):
        _raw("DELETE FROM datasets_datasetrow WHERE version_id = %s", [version.pk])
    with pytest.raises(IntegrityError, match="built dataset version"):
        _raw(
            "INSERT INTO datasets_datasetrow (version_id, key, split, source, label, label_time, method, kind,"
            " decided_by, rationale, rule, rule_version, model, model_version, rater_ids, instruction_versions,"
            " feedback_event_ids, subjects, soft_label_classes, soft_label_probs)"
            " VALUES (%s, 'extra', 'train', 'human', '\"a\"', now(), '', '', '', '', '', '', '', '', '{}', '{}', '{}',"
            " '{}', '{}', '{}')",
            [version.pk],
        )
    assert DatasetRow.objects.filter(version=version).count() == 30


@pytest.mark.django_db
def test_version_metadata_is_immutable_too(version):
    with pytest.raises(ImmutableVersionError):
        DatasetVersion.objects.filter(pk=version.pk).update(row_count=1)
    version.content_hash = "0" * 64
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.delete()
    with pytest.raises(IntegrityError, match="immutable"):
        _raw("UPDATE datasets_datasetversion SET content_hash = %s WHERE id = %s", ["0" * 64, version.pk])
    with pytest.raises(IntegrityError, match="immutable"):
        _raw("DELETE FROM datasets_datasetversion WHERE id = %s", [version.pk])
    version.refresh_from_db()
    assert version.content_hash != "0" * 64 and version.row_count == 30
