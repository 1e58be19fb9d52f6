"""Resolution reads: the adjudication queue and an item's decision history.

Every read selects regular items only (`crowd_items`): a row a gold, exam or practice item may still
have from before the crowd rule is never shown, queued or exported.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from labeling.models import Item, Project, Resolution
from labeling.selectors.crowd_items import crowd_item_q

_CROWD = crowd_item_q("item__")


def adjudication_queue(*, project: Project) -> QuerySet[Resolution]:
    """Current resolutions waiting for a human: ties and results under the confidence threshold, oldest first."""
    return (
        Resolution.objects.filter(_CROWD, project=project, is_current=True, needs_adjudication=True)
        .select_related("item")
        .order_by("created_at", "id")
    )


def adjudication_queue_sizes(*, project_ids: list[int]) -> dict[int, int]:
    """How many items wait for a human, per project (the same rows as `adjudication_queue`)."""
    rows = (
        Resolution.objects.filter(_CROWD, project__in=project_ids, is_current=True, needs_adjudication=True)
        .values("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    return dict(rows)


def resolution_history(*, item: Item) -> QuerySet[Resolution]:
    """Every decision on the item, oldest first; the last one is current."""
    return Resolution.objects.filter(_CROWD, item=item).select_related("decided_by").order_by("created_at", "id")


def resolution_current(*, item: Item) -> Resolution | None:
    return Resolution.objects.filter(_CROWD, item=item, is_current=True).first()


def resolutions_current(*, project: Project) -> QuerySet[Resolution]:
    return (
        Resolution.objects.filter(_CROWD, project=project, is_current=True).select_related("item").order_by("item_id")
    )
