"""Submitting and skipping leased items. The only write path for Annotation rows.

Every refusal is raised before the first write, so a refused request stores nothing.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.models import Annotation, AnnotationSource, Assignment, AssignmentStatus, Item
from labeling.selectors.instructions import instructions_acknowledged
from labeling.services.label_schema import label_value_validate
from raters.services.quality import quality_after_annotation

logger = logging.getLogger(__name__)

MAX_TIME_SPENT_MS = 24 * 3600 * 1000


def _lease_locked(*, assignment_id: int, rater) -> Assignment:
    """Lock the rater's assignment row. Someone else's lease and a missing one look the same (404)."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("item", "project")
        .filter(pk=assignment_id, rater=rater)
        .first()
    )
    if assignment is None:
        raise NotFoundError("No such assignment.", extra={"code": "assignment_not_found"})
    return assignment


def _require_open(assignment: Assignment, *, now) -> None:
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise ConflictError("This assignment was already submitted.", extra={"code": "already_submitted"})
    if assignment.status == AssignmentStatus.SKIPPED:
        raise ConflictError("This assignment was skipped.", extra={"code": "already_skipped"})
    if assignment.status == AssignmentStatus.EXPIRED or assignment.expires_at <= now:
        raise ConflictError(
            "The lease on this item has expired; ask for a new task.",
            extra={"code": "lease_expired", "expired_at": assignment.expires_at.isoformat()},
        )


def _resolution_available() -> bool:
    try:
        return importlib.util.find_spec("labeling.services.resolution") is not None
    except ImportError:
        return False


def _resolve_later(item_id: int) -> None:
    if not _resolution_available():
        return
    from labeling.tasks import resolve_item

    resolve_item.delay(item_id)


@transaction.atomic
def annotation_submit(
    *, assignment_id: int, rater, value: Any, time_spent_ms: int | None = None, source: str = AnnotationSource.API
) -> Annotation:
    """Store the rater's label for a lease they hold. Locks: assignment row, then the item row."""
    now = timezone.now()
    assignment = _lease_locked(assignment_id=assignment_id, rater=rater)
    _require_open(assignment, now=now)
    project = assignment.project
    if not instructions_acknowledged(project=project, user=rater):
        raise ForbiddenError(
            "Read and acknowledge the current instructions first.",
            extra={"code": "instructions_not_acknowledged"},
        )
    value = label_value_validate(project=project, value=value)
    if time_spent_ms is not None and (
        isinstance(time_spent_ms, bool) or not isinstance(time_spent_ms, int) or time_spent_ms < 0
    ):
        raise ApplicationError(
            "time_spent_ms must be a non-negative integer.",
            extra={"code": "invalid_time_spent", "fields": {"time_spent_ms": "Non-negative integer."}},
        )
    if time_spent_ms is None:
        time_spent_ms = int((now - assignment.leased_at).total_seconds() * 1000)
    time_spent_ms = min(time_spent_ms, MAX_TIME_SPENT_MS)
    if source not in AnnotationSource.values:
        raise ApplicationError("Unknown annotation source.", extra={"code": "invalid_source"})

    try:
        with transaction.atomic():
            annotation = Annotation.objects.create(
                project=project,
                item=assignment.item,
                rater=rater,
                assignment=assignment,
                value=value,
                instruction_version_id=assignment.instruction_version_id,
                time_spent_ms=time_spent_ms,
                source=source,
            )
    except IntegrityError:
        raise ConflictError("You already labeled this item.", extra={"code": "already_submitted"})

    assignment.status = AssignmentStatus.SUBMITTED
    assignment.closed_at = now
    assignment.save(update_fields=["status", "closed_at"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE labeling_item SET annotation_count = annotation_count + 1 WHERE id = %s RETURNING annotation_count",
            [assignment.item_id],
        )
        assignment.item.annotation_count = cursor.fetchone()[0]

    quality_after_annotation(annotation=annotation)

    item = assignment.item
    if not item.is_gold and item.annotation_count >= project.overlap:
        item_id = item.pk
        transaction.on_commit(lambda: _resolve_later(item_id), robust=True)
    return annotation


@transaction.atomic
def assignment_skip(*, assignment_id: int, rater, reason: str) -> Assignment:
    """Give the item back with a reason. The row stays, so this rater is never offered the item again."""
    now = timezone.now()
    assignment = _lease_locked(assignment_id=assignment_id, rater=rater)
    if not isinstance(reason, str) or not reason.strip():
        raise ApplicationError(
            "Say why you skip this item.", extra={"code": "reason_required", "fields": {"reason": "Required."}}
        )
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise ConflictError("This assignment was already submitted.", extra={"code": "already_submitted"})
    if assignment.status == AssignmentStatus.SKIPPED:
        raise ConflictError("This assignment was already skipped.", extra={"code": "already_skipped"})
    was_leased = assignment.status == AssignmentStatus.LEASED
    assignment.status = AssignmentStatus.SKIPPED
    assignment.skip_reason = reason.strip()[:2000]
    assignment.closed_at = now
    assignment.save(update_fields=["status", "skip_reason", "closed_at"])
    if was_leased:  # an expired lease already gave its slot back
        Item.objects.filter(pk=assignment.item_id, is_gold=False).update(slots_open=F("slots_open") + 1)
    return assignment
