"""Celery tasks of the dashboard: thin wrappers around the precompute service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="backoffice.tasks.dashboard_precompute")
def dashboard_precompute(sections: list[str] | None = None) -> dict[str, float]:
    from backoffice.services import dashboard_precompute_all

    return dashboard_precompute_all(sections=sections)


@shared_task(name="backoffice.tasks.dashboard_recompute")
def dashboard_recompute(section: str, project_id: int | None = None) -> float | None:
    from backoffice.services import dashboard_section_compute
    from labeling.models import Project

    project = None
    if project_id is not None:
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            return None
    return dashboard_section_compute(section=section, project=project)["seconds"]


@shared_task(name="backoffice.tasks.dashboard_dataset_build")
def dashboard_dataset_build(version_id: int) -> int | None:
    """Build a dataset version (the datasets build service), then recompute the Datasets page's figures."""
    from backoffice.services import dashboard_section_compute
    from datasets.models import DatasetVersion, VersionStatus
    from datasets.services.build import dataset_version_build

    version = DatasetVersion.objects.filter(pk=version_id, status=VersionStatus.BUILDING).first()
    if version is None:
        return None
    try:
        return dataset_version_build(version=version).row_count
    finally:  # a failed build is news on the page too
        dashboard_section_compute(section="datasets")
