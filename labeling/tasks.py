"""Celery tasks: load by id, call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def reclaim_expired_leases() -> int:
    from labeling.services.assignment import leases_reclaim_expired

    return leases_reclaim_expired()


@shared_task
def resolve_item(item_id: int) -> None:
    from labeling.models import Item
    from labeling.services.resolution import item_resolve

    item = Item.objects.select_related("project").filter(pk=item_id).first()
    if item is not None:
        item_resolve(item=item)


@shared_task
def resolve_project(project_id: int, method: str | None = None) -> dict | None:
    """Refit the project's rater reliabilities on all its items and re-resolve (set-based)."""
    from labeling.models import Project
    from labeling.services.resolution import project_resolve

    project = Project.objects.filter(pk=project_id).first()
    return None if project is None else project_resolve(project=project, method=method).as_dict()


@shared_task
def refit_reliability_projects() -> int:
    """Periodic refit for active projects that resolve with rater reliability (weighted, Dawid-Skene) or
    decide overlap adaptively (whose posterior reads the fitted reliabilities, ADR 0014)."""
    from django.db.models import Q

    from labeling.models import AggregationMethod, OverlapPolicy, Project

    ids = list(
        Project.objects.filter(
            Q(aggregation_method__in=[AggregationMethod.WEIGHTED, AggregationMethod.DAWID_SKENE])
            | Q(overlap_policy=OverlapPolicy.ADAPTIVE),
            is_active=True,
            annotations__isnull=False,
        )
        .distinct()
        .values_list("id", flat=True)
    )
    for project_id in ids:
        resolve_project.delay(project_id)
    return len(ids)
