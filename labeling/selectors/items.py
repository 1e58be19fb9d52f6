"""Reads of items (staff and project reviewers only; raters get items only through a lease)."""

from __future__ import annotations

from django.db.models import QuerySet

from labeling.models import Item, Project


def item_list(*, project: Project, is_gold: bool | None = None, open_only: bool = False) -> QuerySet[Item]:
    items = Item.objects.filter(project=project).order_by("-priority", "id")
    if is_gold is not None:
        items = items.filter(is_gold=is_gold)
    if open_only:
        items = items.filter(slots_open__gt=0)
    return items
