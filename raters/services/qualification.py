"""Qualification exams (pass mark, cool-down) and onboarding practice answers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.models import MembershipStatus, Project, ProjectMembership
from raters.models import (
    ApplicationStatus,
    ExamAttempt,
    PracticeAnswer,
    RaterApplication,
    RaterStatusEvent,
    StatusAction,
)
from raters.scoring import answer_matches
from raters.selectors.onboarding import awaiting_staff_approval, exam_items, exam_status


def _member_for_update(*, project: Project, user) -> ProjectMembership:
    membership = ProjectMembership.objects.select_for_update().filter(project=project, user=user).first()
    if membership is None or membership.status == MembershipStatus.REMOVED:
        raise ForbiddenError("You are not a member of this project.", extra={"code": "not_a_member"})
    return membership


@transaction.atomic
def exam_submit(*, project: Project, user, answers: dict[Any, Any]) -> ExamAttempt:
    """Score an attempt over all of the project's exam items (unanswered counts as wrong).

    The membership row lock serialises attempts, so a cool-down cannot be dodged by submitting twice at once.
    """
    membership = _member_for_update(project=project, user=user)
    if membership.status == MembershipStatus.PAUSED:
        raise ForbiddenError(
            f"Your account is paused on this project: {membership.pause_reason}", extra={"code": "paused"}
        )
    if membership.is_qualified:
        raise ConflictError("You are already qualified for this project.", extra={"code": "already_qualified"})
    if not project.requires_exam:
        raise ApplicationError("This project has no exam.", extra={"code": "no_exam"})
    items = list(exam_items(project=project))
    if not items:
        raise ApplicationError("This project's exam has no questions yet.", extra={"code": "no_exam_items"})
    status = exam_status(project=project, user=user)
    if status.cooling_down:
        raise ForbiddenError(
            f"You can retry the exam after {status.retry_at:%Y-%m-%d %H:%M} UTC.",
            extra={"code": "exam_cooldown", "retry_at": status.retry_at.isoformat()},
        )
    answers = {str(k): v for k, v in (answers or {}).items()}
    correct = sum(
        1
        for item in items
        if answer_matches(project=project, value=answers.get(str(item.pk)), expected=item.gold_value)
    )
    score = correct / len(items)
    passed = score >= project.exam_pass_mark
    attempt = ExamAttempt.objects.create(
        project=project,
        user=user,
        answers={str(item.pk): answers.get(str(item.pk)) for item in items},
        correct=correct,
        total=len(items),
        score=score,
        passed=passed,
    )
    if passed and not awaiting_staff_approval(project=project, user=user):
        membership.is_qualified = True
        membership.save(update_fields=["is_qualified"])
        RaterStatusEvent.objects.create(
            project=project, user=user, action=StatusAction.QUALIFIED, reason=f"Exam passed with {score:.0%}."
        )
        RaterApplication.objects.filter(campaign__project=project, user=user, status=ApplicationStatus.PENDING).update(
            status=ApplicationStatus.APPROVED, decided_at=timezone.now(), decision_note="Passed the exam."
        )
    return attempt


@transaction.atomic
def practice_answer_submit(*, project: Project, user, item_id: int, value: Any) -> PracticeAnswer:
    """Record a practice answer; the caller shows `answer.item.gold_value` and its explanation."""
    _member_for_update(project=project, user=user)
    from labeling.models import Item

    item = Item.objects.filter(project=project, pk=item_id, is_practice=True).first()
    if item is None:
        raise NotFoundError("No such practice item in this project.", extra={"code": "not_found"})
    if value in (None, "", []):
        raise ApplicationError("Choose an answer.", extra={"code": "answer_required"})
    return PracticeAnswer.objects.create(
        project=project,
        user=user,
        item=item,
        value=value,
        is_correct=answer_matches(project=project, value=value, expected=item.gold_value),
    )
