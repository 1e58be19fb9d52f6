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
