"""Reads of model predictions: the list endpoint, the suggestion a lease shows, the keep-rate comparison,
the per-stream report of active learning, and the resolved labels a model retrains on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from labeling.aggregation.frame import value_key
from labeling.models import (
    Annotation,
    Item,
    ItemModelState,
    ModelSettings,
    Prediction,
    Project,
    QueueStream,
    Resolution,
    SuggestionExposure,
)
from labeling.selectors.crowd_items import crowd_item_q


def prediction_list(*, project: Project, model: str | None = None, version: str | None = None) -> QuerySet[Prediction]:
    rows = Prediction.objects.filter(project=project).select_related("item").order_by("id")
    if model:
        rows = rows.filter(model=model)
    if version:
        rows = rows.filter(version=version)
    return rows


def source_prediction(*, settings: ModelSettings, item: Item) -> Prediction | None:
    """The prediction that orders the queue and is suggested: the configured model version, else the latest."""
    rows = Prediction.objects.filter(item=item)
    if settings.source_model:
        rows = rows.filter(model=settings.source_model)
        if settings.source_version:
            rows = rows.filter(version=settings.source_version)
    return rows.order_by("-created_at", "-id").first()


def labels_resolved_since(*, project: Project, since: datetime | None) -> QuerySet[Resolution]:
    """Current, settled resolutions of regular items decided after `since`, oldest first: a retraining feed.

    Gold, exam and practice items never appear (crowd_items); items waiting for adjudication are not
    settled and appear once a person decides them (their new row is newer than any earlier `since`).
    """
    rows = Resolution.objects.filter(
        crowd_item_q("item__"), project=project, is_current=True, needs_adjudication=False
    ).select_related("item")
    if since is not None:
        rows = rows.filter(created_at__gt=since)
    return rows.order_by("created_at", "id")


def suggestion_keep_rates(*, project: Project) -> dict[str, Any]:
    """Share of annotations equal to the model's suggestion, where it was shown and on control leases (not shown).

    The control arm says how often raters agree with the model anyway; the gap between the two is what
    showing the suggestion changes (anchoring, or saved effort), the figure a team needs before turning it on.
    """
    exposures = SuggestionExposure.objects.filter(project=project).values_list(
        "assignment_id", "shown", "suggested_value"
    )
    by_assignment = {a: (shown, value) for a, shown, value in exposures}
    arms = {True: [0, 0], False: [0, 0]}
    if by_assignment:
        for assignment_id, value in Annotation.objects.filter(assignment_id__in=list(by_assignment)).values_list(
            "assignment_id", "value"
        ):
            shown, suggested = by_assignment[assignment_id]
            arms[shown][0] += 1
            arms[shown][1] += int(value_key(value) == value_key(suggested))

    def arm(n: int, kept: int) -> dict[str, Any]:
        return {"annotations": n, "equal_to_suggestion": kept, "share": round(kept / n, 4) if n else None}

    shown, control = arm(*arms[True]), arm(*arms[False])
    gap = None
    if shown["share"] is not None and control["share"] is not None:
        gap = round(shown["share"] - control["share"], 4)
    return {"shown": shown, "control": control, "difference": gap}


def active_learning_streams(*, project: Project) -> list[dict[str, Any]]:
    """Per queue stream: items, annotations spent, resolved items, and resolution accuracy where an answer is known.

    Known answers are regular items imported with a reference value (not the hidden gold checks), the
    same rule as the project report's consensus accuracy.
    """
    out = []
    for stream in QueueStream.values:
        item_ids = list(ItemModelState.objects.filter(project=project, stream=stream).values_list("item_id", flat=True))
        items = Item.objects.filter(crowd_item_q(), pk__in=item_ids)
        spent = Annotation.objects.filter(item_id__in=item_ids).count()
        current = Resolution.objects.filter(item_id__in=item_ids, is_current=True)
        known = dict(items.filter(gold_value__isnull=False).values_list("id", "gold_value"))
        hits = [
            value_key(label) == value_key(known[i])
            for i, label in current.filter(item_id__in=list(known)).values_list("item_id", "label")
        ]
        out.append(
            {
                "stream": stream,
                "items": items.count(),
                "annotations": spent,
                "resolved": current.count(),
                "known_answer_items": len(hits),
                "accuracy": round(sum(hits) / len(hits), 4) if hits else None,
            }
        )
    return out


def prediction_counts(*, project: Project) -> list[dict[str, Any]]:
    """Predictions per model version, newest import first."""
    rows = (
        Prediction.objects.filter(project=project)
        .values("model", "version")
        .annotate(n=Count("id"), with_probabilities=Count("id", filter=Q(probabilities__isnull=False)))
        .order_by("model", "version")
    )
    return list(rows)
