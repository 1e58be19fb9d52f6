"""Reads of items (staff and project reviewers only; raters get items only through a lease)."""

from __future__ import annotations

from django.db.models import QuerySet

from config.exceptions import NotFoundError
from labeling.models import Item, ItemOverlapDecision, Project
from labeling.selectors.projects import project_list_for_user


def item_list(*, project: Project, is_gold: bool | None = None, open_only: bool = False) -> QuerySet[Item]:
    items = Item.objects.filter(project=project).select_related("overlap_decision").order_by("-priority", "id")
    if is_gold is not None:
        items = items.filter(is_gold=is_gold)
    if open_only:
        items = items.filter(slots_open__gt=0)
    return items


def item_get_for_user(*, item_id: int, user) -> Item:
    """The item if its project is visible to the user; a missing item and another project's give the same 404."""
    item = (
        Item.objects.filter(pk=item_id, project__in=project_list_for_user(user=user)).select_related("project").first()
    )
    if item is None:
        raise NotFoundError("No such item.", extra={"code": "item_not_found"})
    return item


def item_overlap_decision(*, item: Item) -> ItemOverlapDecision | None:
    """The last adaptive-overlap decision on the item (None under fixed overlap or before its first label)."""
    return ItemOverlapDecision.objects.filter(item=item).first()
