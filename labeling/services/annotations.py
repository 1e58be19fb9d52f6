"""Submitting and skipping leased items: a rater's label is stored through `annotation_rows.annotation_insert`.

Every refusal is raised before the first write, so a refused request stores nothing. Raters address their
tasks by the opaque task id (`task_submit`, `task_skip`); internal callers may use the assignment id.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.events import annotation_created_emit
from labeling.models import Annotation, AnnotationSource, Assignment, AssignmentStatus, InstructionVersion
from labeling.selectors.assignments import assignment_for_task
from labeling.selectors.crowd_items import is_crowd_item
from labeling.selectors.instructions import instructions_current_for_user
from labeling.selectors.review import rework_for_task
from labeling.selectors.skip_codes import OTHER, skip_reasons_for
from labeling.services.annotation_rows import annotation_insert
from labeling.services.assignment import slots_release
from labeling.services.label_schema import label_value_validate
from labeling.services.overlap import overlap_after_annotation
from labeling.services.review import review_draw
from labeling.services.rework import rework_submit
from labeling.tasks import resolve_item
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


def _resolve_later(item_id: int) -> None:
    resolve_item.delay(item_id)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _instructions_at_submit(*, project, rater, seen: Any) -> InstructionVersion | None:
    """The version the label is given under: the current one, acknowledged, and the one the rater saw.

    A label typed while the instructions changed is refused (not stored), so no annotation claims a version
    its rater had not read, nor one newer than the screen they answered on.
    """
    current = instructions_current_for_user(project=project, user=rater)
    if current is not None and not current.acknowledged:
        raise ForbiddenError(
            "The instructions changed: your label was not saved. Read and acknowledge them, then label again.",
            extra={"code": "instructions_not_acknowledged", "instruction_version": current.version},
        )
    if seen is None:
        return current
    if not _is_count(seen):
        raise ApplicationError(
            "instruction_version must be a version number.",
            extra={"code": "invalid_instruction_version", "fields": {"instruction_version": "Integer."}},
        )
    if current is None or seen != current.version:
        raise ConflictError(
            "The instructions changed while you were labeling: your label was not saved. "
            "Read the new version, then label the item again.",
            extra={"code": "instructions_changed", "instruction_version": current.version if current else None},
        )
    return current


@transaction.atomic
def annotation_submit(
    *,
    assignment_id: int,
    rater,
    value: Any,
    time_spent_ms: int | None = None,
    source: str = AnnotationSource.API,
    instruction_version: int | None = None,
) -> Annotation:
    """Store the rater's label for a lease they hold. Locks: assignment row, then the item row.

    `time_spent_ms` is what the client claims and is kept only as a hint; the stored `time_spent_ms` is the
    server's time from the lease being granted to now, which is what every time-based rule reads.
    `instruction_version` is the version the rater saw, when the client sends it.
    """
    now = timezone.now()
    assignment = _lease_locked(assignment_id=assignment_id, rater=rater)
    _require_open(assignment, now=now)
    project = assignment.project
    version = _instructions_at_submit(project=project, rater=rater, seen=instruction_version)
    value = label_value_validate(project=project, value=value)
    if time_spent_ms is not None and not _is_count(time_spent_ms):
        raise ApplicationError(
            "time_spent_ms must be a non-negative integer.",
            extra={"code": "invalid_time_spent", "fields": {"time_spent_ms": "Non-negative integer."}},
        )
    if source not in AnnotationSource.values:
        raise ApplicationError("Unknown annotation source.", extra={"code": "invalid_source"})
    server_ms = max(0, int((now - assignment.leased_at).total_seconds() * 1000))

    annotation = annotation_insert(
        project=project,
        item=assignment.item,
        rater=rater,
        assignment=assignment,
        value=value,
        instruction_version_id=version.pk if version is not None else None,
        time_spent_ms=min(server_ms, MAX_TIME_SPENT_MS),
        client_time_spent_ms=min(time_spent_ms, MAX_TIME_SPENT_MS) if time_spent_ms is not None else None,
        source=source,
    )
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.closed_at = now
    assignment.save(update_fields=["status", "closed_at"])

    quality_after_annotation(annotation=annotation)
    review_draw(annotation=annotation)  # recorded here; nothing in the response depends on it
    annotation_created_emit(annotation=annotation)

    item = assignment.item
    decision = overlap_after_annotation(project=project, item=item)
    done = decision.done if decision is not None else item.annotation_count >= project.overlap
    if is_crowd_item(item) and done:
        item_id = item.pk
        transaction.on_commit(lambda: _resolve_later(item_id), robust=True)
    return annotation


def _skip_code(*, project, code: Any, reason: Any) -> tuple[str, str]:
    """(code, text) of a skip: one of the project's codes, or "other" with a text. A bare text means "other"."""
    text = reason.strip() if isinstance(reason, str) else ""
    if code in (None, ""):
        code = OTHER
    codes = [r["code"] for r in skip_reasons_for(project=project)]
    if code not in codes:
        raise ApplicationError(
            "Unknown skip reason.",
            extra={"code": "unknown_skip_code", "fields": {"code": f"One of {', '.join(codes)}."}},
        )
    if code == OTHER and not text:
        raise ApplicationError(
            "Say why you skip this item.", extra={"code": "reason_required", "fields": {"reason": "Required."}}
        )
    return code, text


@transaction.atomic
def assignment_skip(*, assignment_id: int, rater, reason: str = "", code: str | None = None) -> Assignment:
    """Give the item back with a reason code (and text). The row stays, so the rater never gets the item again."""
    now = timezone.now()
    assignment = _lease_locked(assignment_id=assignment_id, rater=rater)
    code, reason = _skip_code(project=assignment.project, code=code, reason=reason)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise ConflictError("This assignment was already submitted.", extra={"code": "already_submitted"})
    if assignment.status == AssignmentStatus.SKIPPED:
        raise ConflictError("This assignment was already skipped.", extra={"code": "already_skipped"})
    was_leased = assignment.status == AssignmentStatus.LEASED
    assignment.status = AssignmentStatus.SKIPPED
    assignment.skip_reason = reason[:2000]
    assignment.skip_code = code
    assignment.closed_at = now
    assignment.save(update_fields=["status", "skip_reason", "skip_code", "closed_at"])
    if was_leased:  # an expired lease already gave its slot back
        slots_release([assignment.item_id])
    return assignment


@transaction.atomic
def task_submit(
    *,
    task_id: str,
    rater,
    value: Any,
    time_spent_ms: int | None = None,
    source: str = AnnotationSource.API,
    instruction_version: int | None = None,
) -> Annotation:
    """`annotation_submit` addressed by the rater's opaque task id (the API and the web form); a rework's id
    submits the correction instead (`rework_submit`)."""
    rework = rework_for_task(task_id=task_id, rater=rater)
    if rework is not None:
        return rework_submit(review_id=rework.pk, rater=rater, value=value, time_spent_ms=time_spent_ms, source=source)
    assignment = assignment_for_task(task_id=task_id, rater=rater)
    return annotation_submit(
        assignment_id=assignment.pk,
        rater=rater,
        value=value,
        time_spent_ms=time_spent_ms,
        source=source,
        instruction_version=instruction_version,
    )


@transaction.atomic
def task_skip(*, task_id: str, rater, reason: str = "", code: str | None = None) -> Assignment:
    """`assignment_skip` addressed by the rater's opaque task id. A rework cannot be skipped (409)."""
    if rework_for_task(task_id=task_id, rater=rater) is not None:
        raise ConflictError("A returned label must be corrected, not skipped.", extra={"code": "rework_not_skippable"})
    assignment = assignment_for_task(task_id=task_id, rater=rater)
    return assignment_skip(assignment_id=assignment.pk, rater=rater, reason=reason, code=code)
