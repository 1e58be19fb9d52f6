"""Celery tasks: load by id, call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def build_dataset_version(version_id: int) -> int | None:
    from datasets.models import DatasetVersion, VersionStatus
    from datasets.services.build import dataset_version_build

    version = DatasetVersion.objects.filter(pk=version_id, status=VersionStatus.BUILDING).first()
    if version is None:
        return None
    return dataset_version_build(version=version).row_count
