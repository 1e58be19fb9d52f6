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


@shared_task
def validation_check_models() -> dict[str, int]:
    """Beat: compact closed serving-statistics windows, then check every model that has a reference."""
    from datetime import timedelta

    from django.utils import timezone

    from datasets import conf as datasets_conf
    from datasets.services.validation_check import validation_check_all
    from feedback.services.serving_statistics import serving_statistics_compact_all

    now = timezone.now()
    serving_statistics_compact_all(now=now, grace=timedelta(seconds=datasets_conf.compact_grace_seconds()))
    return validation_check_all(now=now)
