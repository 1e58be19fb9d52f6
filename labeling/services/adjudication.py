"""Adjudication: a staff member or project reviewer decides an item, with a written rationale.

The decision is a new Resolution row (kind adjudication) that supersedes the current one; the old
row stays, with is_current False, so the history shows both the crowd's result and the decision.
Gold, exam and practice items are never adjudicated: their answer is known or they only measure raters.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.models import Item, Resolution, ResolutionKind
from labeling.selectors.crowd_items import crowd_item_require
from labeling.selectors.projects import project_list_for_user, user_can_review
from labeling.services.label_schema import label_value_validate
from labeling.services.resolution import project_lock
from labeling.services.resolution_rows import resolution_append

MIN_RATIONALE = 10


@transaction.atomic
def resolution_adjudicate(
    *,
    reviewer: Any,
    label: Any,
    rationale: str,
    resolution_id: int | None = None,
    item: Item | None = None,
) -> Resolution:
    """Decide an item's label. Takes the project's advisory lock, then the current row's lock.

    Pass the current resolution's id (refused with 409 if it is no longer current, so two reviewers
    cannot overwrite each other unknowingly) or the item (decides whatever is current, or an item
    never resolved).
    """
    if (resolution_id is None) == (item is None):
        raise ApplicationError("Pass exactly one of resolution_id or item.")
    if resolution_id is not None:
        target = (
            Resolution.objects.select_related("project", "item")
            .filter(pk=resolution_id, project__in=project_list_for_user(user=reviewer))
            .first()
        )
        if target is None:  # missing, or in a project the reviewer cannot see: the same answer
            raise NotFoundError("No such resolution.", {"code": "resolution_not_found", "resolution_id": resolution_id})
        item, project = target.item, target.project
    else:
        project = item.project
        target = None
    if not user_can_review(project=project, user=reviewer):
        raise ForbiddenError("Only staff or the project's reviewers and managers may adjudicate.")
    crowd_item_require(item=item)
    rationale = (rationale or "").strip()
    if len(rationale) < MIN_RATIONALE:
        raise ApplicationError(
            "A written rationale is required.", {"fields": {"rationale": f"At least {MIN_RATIONALE} characters."}}
        )
    label = label_value_validate(project=project, value=label)

    project_lock(project.pk)
    current = Resolution.objects.select_for_update().filter(item=item, is_current=True).first()
    if target is not None and (current is None or current.pk != target.pk):
        raise ConflictError(
            "This resolution is no longer current; reload the item's history.",
            {"current_resolution_id": current.pk if current else None},
        )
    return resolution_append(
        project=project,
        item=item,
        current=current,
        kind=ResolutionKind.ADJUDICATION,
        method="adjudication",
        label=label,
        confidence=1.0,
        distribution=current.distribution if current else {},
        annotation_count=current.annotation_count if current else item.annotations.count(),
        needs_adjudication=False,
        decided_by=reviewer,
        rationale=rationale,
    )
