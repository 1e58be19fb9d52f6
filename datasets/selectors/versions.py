"""Reads of datasets and versions for the API, the commands and the dashboard."""

from __future__ import annotations

from django.db.models import QuerySet

from config.exceptions import NotFoundError
from datasets.models import Dataset, DatasetVersion, VersionStatus
from datasets.selectors.drift import version_drift
from datasets.selectors.freshness import version_freshness


def dataset_list() -> QuerySet[Dataset]:
    return Dataset.objects.prefetch_related("projects").order_by("name")


def dataset_get(*, name: str) -> Dataset:
    dataset = Dataset.objects.filter(name=name).first()
    if dataset is None:
        raise NotFoundError("No such dataset", {"dataset": name})
    return dataset


def version_get(*, dataset: Dataset, number: int | None = None) -> DatasetVersion:
    """A version by number, or the latest ready one when `number` is None."""
    versions = DatasetVersion.objects.select_related("dataset", "parent").filter(dataset=dataset)
    if number is None:
        version = versions.filter(status=VersionStatus.READY).order_by("-number").first()
    else:
        version = versions.filter(number=number).first()
    if version is None:
        raise NotFoundError("No such dataset version", {"dataset": dataset.name, "version": number})
    return version


def version_summary_dict(*, version: DatasetVersion) -> dict:
    ready = version.status == VersionStatus.READY
    return {
        "number": version.number,
        "parent": version.parent.number if version.parent else None,
        "status": version.status,
        "progress": version.progress,
        "error": version.error,
        "created_at": version.created_at,
        "built_at": version.built_at,
        "row_count": version.row_count,
        "split_counts": version.split_counts,
        "source_counts": version.source_counts,
        "gold": version.definition.get("gold", "exclude"),
        "label_distribution": version.label_distribution,
        "content_hash": version.content_hash,
        "erasures": [
            {
                "subject_kind": erasure.subject_kind,
                "rows_removed": erasure.rows_removed,
                "rows_redacted": erasure.rows_redacted,
                "hash_before": erasure.hash_before,
                "hash_after": erasure.hash_after,
                "erased_at": erasure.erased_at,
            }
            for erasure in version.erasures.all()
        ],
        "freshness": version_freshness(version=version) if ready else None,
        "drift": version_drift(version=version) if ready else None,
    }


def dataset_versions_overview(*, dataset: Dataset) -> list[dict]:
    """Every version of a dataset, newest first, with figures, freshness and drift against its parent."""
    versions = (
        DatasetVersion.objects.select_related("dataset", "parent")
        .prefetch_related("erasures")
        .filter(dataset=dataset)
        .order_by("-number")
    )
    return [version_summary_dict(version=version) for version in versions]
