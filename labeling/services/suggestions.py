"""Pre-annotations: the model's suggestion on a lease, and the record of whether it was shown.

Off by default, so raters label blind. When a project turns it on, each item's stored random draw
(ItemModelState.suggestion_draw) puts it in the control arm with the project's control share: its
leases never show the suggestion, and the keep-rate on those items is the baseline the shown arm is
compared with (`labeling.selectors.predictions.suggestion_keep_rates`). Gold, exam and practice items
never show one and are never recorded (docs/adr/0008); an item without a prediction shows none.
The one writer of SuggestionExposure.
"""

from __future__ import annotations

from typing import Any

from labeling.models import Assignment, SuggestionExposure
from labeling.selectors.crowd_items import is_crowd_item
from labeling.selectors.model_settings import model_settings_get
from labeling.selectors.predictions import source_prediction
from labeling.services.predictions import item_model_states


def lease_suggestion(*, assignment: Assignment) -> dict[str, Any] | None:
    """What the rater sees for this lease: {"value": ...} when shown, None otherwise; recorded once per lease.

    A rework (a label a reviewer sent back) is not a lease: it shows the rater's own earlier answer and the
    comment, never a model's suggestion, so it gets None and no exposure row."""
    if not isinstance(assignment, Assignment):
        return None
    item = assignment.item
    project = assignment.project
    settings = model_settings_get(project=project)
    if not settings.preannotations or not is_crowd_item(item):
        return None
    existing = SuggestionExposure.objects.filter(assignment=assignment).first()
    if existing is not None:
        return {"value": existing.suggested_value} if existing.shown else None
    prediction = source_prediction(settings=settings, item=item)
    if prediction is None:
        return None
    state = item_model_states(project=project, item_ids=[item.pk])[item.pk]
    shown = state.suggestion_draw >= settings.preannotation_control_share
    SuggestionExposure.objects.get_or_create(
        assignment=assignment,
        defaults={
            "project": project,
            "item": item,
            "rater": assignment.rater,
            "shown": shown,
            "suggested_value": prediction.value,
            "model": prediction.model,
            "version": prediction.version,
        },
    )
    return {"value": prediction.value} if shown else None
