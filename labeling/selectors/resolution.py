"""Resolution reads: the adjudication queue and an item's decision history."""

from __future__ import annotations

from django.db.models import QuerySet

from labeling.models import Item, Project, Resolution


def adjudication_queue(*, project: Project) -> QuerySet[Resolution]:
    """Current resolutions waiting for a human: ties and results under the confidence threshold, oldest first."""
    return (
        Resolution.objects.filter(project=project, is_current=True, needs_adjudication=True)
        .select_related("item")
        .order_by("created_at", "id")
    )


def resolution_history(*, item: Item) -> QuerySet[Resolution]:
    """Every decision on the item, oldest first; the last one is current."""
    return Resolution.objects.filter(item=item).select_related("decided_by").order_by("created_at", "id")


def resolution_current(*, item: Item) -> Resolution | None:
    return Resolution.objects.filter(item=item, is_current=True).first()


def resolutions_current(*, project: Project) -> QuerySet[Resolution]:
    return Resolution.objects.filter(project=project, is_current=True).select_related("item").order_by("item_id")
