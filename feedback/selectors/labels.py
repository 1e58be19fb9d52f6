"""Reads of direct labels (API, tests)."""

from __future__ import annotations

from django.db.models import QuerySet

from feedback.models import DirectLabel


def direct_labels_list(*, model: str | None = None, current_only: bool = True) -> QuerySet[DirectLabel]:
    queryset = DirectLabel.objects.all()
    if model:
        queryset = queryset.filter(model=model)
    if current_only:
        queryset = queryset.filter(is_current=True)
    return queryset.order_by("id")
