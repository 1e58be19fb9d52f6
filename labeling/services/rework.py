"""Rework: a rejected label goes back to its rater, who corrects it; the correction replaces the old label.

Served before new work (`labeling.services.next_task`), addressed by its own random task id, submitted once.
The old value is kept as an AnnotationRevision; the item is re-resolved; the correction is drawn for review
again like any answer. Pay is not touched here: see docs/adr/0024-review-pass-and-rework.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.models import Annotation, AnnotationSource, InstructionVersion, Item, Project, Review, ReviewState
from labeling.selectors.crowd_items import is_crowd_item
from labeling.selectors.instructions import instructions_current_for_user
from labeling.selectors.review import rework_open
from labeling.services.annotation_rows import annotation_revise
from labeling.services.label_schema import label_value_validate
from labeling.services.review import review_draw, review_rework_done, review_rework_served

MAX_TIME_SPENT_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class ReworkTask:
    """A rework as the task API and the label page show it: the fields of a lease, plus the comment."""

    task_id: Any
    project_id: int
    item: Item
    leased_at: datetime
    expires_at: datetime
    instruction_version: InstructionVersion | None
    review_comment: str
    previous_value: Any
    is_rework: bool = True


def rework_task(*, review: Review, project: Project) -> ReworkTask:
    served = review.rework_served_at or timezone.now()
    return ReworkTask(
        task_id=review.rework_task_id,
        project_id=project.pk,
        item=review.annotation.item,
        leased_at=served,
        expires_at=served + timedelta(seconds=project.lease_seconds),
        instruction_version=instructions_current_for_user(project=project, user=review.annotation.rater),
        review_comment=review.comment,
        previous_value=review.annotation.value,
    )


def rework_serve(*, project: Project, rater) -> ReworkTask | None:
    """The rater's oldest open rework, as a task, or None. The caller has checked the rater may work."""
    review = rework_open(project=project, rater=rater)
    if review is None:
        return None
    review_rework_served(review=review)
    return rework_task(review=review, project=project)


def _resolve_later(item_id: int) -> None:
    from labeling.tasks import resolve_item

    resolve_item.delay(item_id)


@transaction.atomic
def rework_submit(
    *,
    review_id: int,
    rater,
    value: Any,
    time_spent_ms: int | None = None,
    source: str = AnnotationSource.API,
) -> Annotation:
    """Store the corrected label. Locks the review row, then the annotation row.

    Someone else's rework is the same 404 as an unknown one; a second submit is 409 `already_submitted`.
    """
    now = timezone.now()
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("annotation__item", "project")
        .filter(pk=review_id, annotation__rater=rater, state=ReviewState.REJECTED)
        .first()
    )
    if review is None:
        raise NotFoundError("No such task.", extra={"code": "task_not_found"})
    if review.rework_done_at is not None:
        raise ConflictError("This correction was already submitted.", extra={"code": "already_submitted"})
    project = review.project
    current = instructions_current_for_user(project=project, user=rater)
    if current is not None and not current.acknowledged:
        raise ForbiddenError(
            "The instructions changed: your label was not saved. Read and acknowledge them, then label again.",
            extra={"code": "instructions_not_acknowledged", "instruction_version": current.version},
        )
    value = label_value_validate(project=project, value=value)
    if time_spent_ms is not None and (
        not isinstance(time_spent_ms, int) or isinstance(time_spent_ms, bool) or time_spent_ms < 0
    ):
        raise ApplicationError(
            "time_spent_ms must be a non-negative integer.",
            extra={"code": "invalid_time_spent", "fields": {"time_spent_ms": "Non-negative integer."}},
        )
    if source not in AnnotationSource.values:
        raise ApplicationError("Unknown annotation source.", extra={"code": "invalid_source"})
    annotation = Annotation.objects.select_for_update().select_related("item", "project").get(pk=review.annotation_id)
    started = review.rework_served_at or review.decided_at or now
    server_ms = max(0, int((now - started).total_seconds() * 1000))
    annotation = annotation_revise(
        annotation=annotation,
        review=review,
        value=value,
        instruction_version_id=current.pk if current is not None else None,
        time_spent_ms=min(server_ms, MAX_TIME_SPENT_MS),
        client_time_spent_ms=min(time_spent_ms, MAX_TIME_SPENT_MS) if time_spent_ms is not None else None,
        source=source,
        now=now,
    )
    review_rework_done(review=review, now=now)
    review_draw(annotation=annotation, round_number=review.round + 1)
    item = annotation.item
    if is_crowd_item(item) and item.annotation_count >= project.overlap:
        item_id = item.pk
        transaction.on_commit(lambda: _resolve_later(item_id), robust=True)
    return annotation
