"""Reads of direct labels (API, tests)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from feedback.models import DirectLabel
from feedback.selectors.maturity import Maturity, delay_models, label_maturity


def direct_labels_list(*, model: str | None = None, current_only: bool = True) -> QuerySet[DirectLabel]:
    queryset = DirectLabel.objects.all()
    if model:
        queryset = queryset.filter(model=model)
    if current_only:
        queryset = queryset.filter(is_current=True)
    return queryset.order_by("id")


def direct_label_history(*, request_id: str) -> QuerySet[DirectLabel]:
    """Every version of one request's label, oldest first (a flip after the window closed is a new version)."""
    return DirectLabel.objects.filter(request_id=request_id).order_by("version")


class MaturityOf:
    """Maturity of labels read in one go: the rules' horizons and delay models are loaded once."""

    def __init__(self, *, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.models = delay_models()

    def __call__(self, *, rule_id: int, label: float, is_final: bool, served_at: datetime) -> Maturity:
        horizon, late_policy, model = self.models[rule_id]
        return label_maturity(
            label=label, is_final=is_final, served_at=served_at, late_policy=late_policy, horizon=horizon,
            model=model, now=self.now,
        )  # fmt: skip
