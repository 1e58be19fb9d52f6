"""The one writer of ModelSettings: a project's use of model predictions."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from config.exceptions import ApplicationError
from labeling.models import ActiveLearning, ModelSettings, Project
from labeling.services.predictions import priorities_refresh

FIELDS = {
    "rater_model",
    "rater_version",
    "source_model",
    "source_version",
    "preannotations",
    "preannotation_control_share",
    "active_learning",
    "active_learning_random_share",
}


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {"code": "invalid_model_settings", "fields": {field: message}})


@transaction.atomic
def model_settings_update(*, project: Project, **changes: Any) -> ModelSettings:
    """Change the project's options; turning active learning on (or changing it) reorders the queue now."""
    unknown = set(changes) - FIELDS
    if unknown:
        raise _invalid(sorted(unknown)[0], f"Unknown options: {', '.join(sorted(unknown))}.")
    row, _ = ModelSettings.objects.select_for_update().get_or_create(project=project)
    before = (row.active_learning, row.active_learning_random_share, row.source_model, row.source_version)
    for field in ("preannotation_control_share", "active_learning_random_share"):
        if field in changes:
            value = changes[field]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise _invalid(field, f"{field} must be between 0 and 1.")
    if "active_learning" in changes and changes["active_learning"] not in ActiveLearning.values:
        raise _invalid("active_learning", f"active_learning must be one of {ActiveLearning.values}.")
    if "preannotations" in changes and not isinstance(changes["preannotations"], bool):
        raise _invalid("preannotations", "preannotations must be true or false.")
    for field in ("rater_model", "rater_version", "source_model", "source_version"):
        if field in changes:
            value = changes[field]
            if not isinstance(value, str) or len(value) > 100:
                raise _invalid(field, f"{field} must be a name of at most 100 characters (blank: none).")
            changes[field] = value.strip()
    merged = {f: changes.get(f, getattr(row, f)) for f in ("rater_model", "rater_version")}
    if bool(merged["rater_model"]) != bool(merged["rater_version"]):
        raise _invalid("rater_version", "A model rater needs both rater_model and rater_version (or neither).")
    for field, value in changes.items():
        setattr(row, field, value)
    row.save()
    after = (row.active_learning, row.active_learning_random_share, row.source_model, row.source_version)
    if after != before:
        priorities_refresh(project=project)
    return row
