"""Rater flags on items and staff replies: the one write path for ItemFlag rows.

A rater may flag only an item they hold or have held (any task of theirs, whatever its state); any other
task id is 404 `not_shown`, the same answer for an unknown id, so ids cannot be probed.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.models import Assignment, FlagReason, ItemFlag, Review
from labeling.selectors.projects import user_can_review

MAX_TEXT = 2000


def _assignment_shown(*, task_id: Any, rater) -> Assignment:
    try:
        key = uuid.UUID(str(task_id))
    except (ValueError, AttributeError):
        key = None
    assignment = (
        Assignment.objects.select_related("project", "item").filter(task_id=key, rater=rater).first()
        if key is not None
        else None
    )
    if assignment is None and key is not None:  # a rework task: the item of the rater's own returned label
        review = (
            Review.objects.select_related("annotation__assignment__project", "annotation__assignment__item")
            .filter(rework_task_id=key, annotation__rater=rater, annotation__assignment__isnull=False)
            .first()
        )
        assignment = review.annotation.assignment if review is not None else None
    if assignment is None:
        raise NotFoundError("You were never shown this item.", extra={"code": "not_shown"})
    return assignment


def _text(value: Any, *, field: str, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ApplicationError("Say what is wrong.", extra={"code": "text_required", "fields": {field: "Required."}})
    if len(text) > MAX_TEXT:
        raise ApplicationError(
            "The text is too long.", extra={"code": "text_too_long", "fields": {field: f"At most {MAX_TEXT}."}}
        )
    return text


@transaction.atomic
def item_flag_create(*, task_id: Any, rater, reason: Any, text: Any = "") -> ItemFlag:
    """Flag the item behind one of the rater's tasks. One flag per rater and item (409 `already_flagged`)."""
    assignment = _assignment_shown(task_id=task_id, rater=rater)
    if reason not in FlagReason.values:
        raise ApplicationError(
            "Pick a reason: broken, unclear, offensive or other.",
            extra={"code": "invalid_reason", "fields": {"reason": f"One of {', '.join(FlagReason.values)}."}},
        )
    text = _text(text, field="text", required=reason == FlagReason.OTHER)
    try:
        with transaction.atomic():
            return ItemFlag.objects.create(
                project=assignment.project,
                item=assignment.item,
                rater=rater,
                assignment=assignment,
                instruction_version_id=assignment.instruction_version_id,
                reason=reason,
                text=text,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise ConflictError("You already flagged this item.", extra={"code": "already_flagged"})


@transaction.atomic
def item_flag_reply(*, flag_id: int, staff_user, reply: Any) -> ItemFlag:
    """Staff (or the project's reviewers and managers) answer a flag; the rater sees it on their stats page."""
    flag = ItemFlag.objects.select_for_update(of=("self",)).select_related("project").filter(pk=flag_id).first()
    if flag is None:
        raise NotFoundError("No such flag.", extra={"code": "flag_not_found"})
    if not user_can_review(project=flag.project, user=staff_user):
        raise ForbiddenError("Only staff or the project's reviewers may reply.", extra={"code": "reviewer_only"})
    flag.reply = _text(reply, field="reply", required=True)
    flag.replied_by = staff_user
    flag.replied_at = timezone.now()
    flag.save(update_fields=["reply", "replied_by", "replied_at"])
    return flag
