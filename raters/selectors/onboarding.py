"""Where a rater stands on a project: exam, instructions, practice, labeling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from labeling.models import Item, MembershipStatus, Project, ProjectMembership
from raters.models import ApplicationStatus, ExamAttempt, PracticeAnswer, RaterApplication


def exam_items(*, project: Project) -> QuerySet[Item]:
    return Item.objects.filter(project=project, is_exam=True).order_by("id")


def practice_items(*, project: Project) -> QuerySet[Item]:
    return Item.objects.filter(project=project, is_practice=True).order_by("id")


@dataclass(frozen=True)
class ExamStatus:
    attempts: int
    last_score: float | None
    passed: bool
    retry_at: datetime | None  # set while a failed attempt's cool-down runs

    @property
    def cooling_down(self) -> bool:
        return self.retry_at is not None and self.retry_at > timezone.now()


def exam_status(*, project: Project, user) -> ExamStatus:
    attempts = ExamAttempt.objects.filter(project=project, user=user).order_by("-submitted_at")
    last = attempts.first()
    retry_at = None
    if last is not None and not last.passed:
        retry_at = last.submitted_at + timedelta(minutes=project.exam_cooldown_minutes)
        if retry_at <= timezone.now():
            retry_at = None
    return ExamStatus(
        attempts=attempts.count(),
        last_score=last.score if last else None,
        passed=attempts.filter(passed=True).exists(),
        retry_at=retry_at,
    )


def awaiting_staff_approval(*, project: Project, user) -> bool:
    return RaterApplication.objects.filter(
        campaign__project=project, campaign__requires_approval=True, user=user, status=ApplicationStatus.PENDING
    ).exists()


def practice_next_item(*, project: Project, user) -> Item | None:
    answered = PracticeAnswer.objects.filter(project=project, user=user).values("item_id")
    return practice_items(project=project).exclude(pk__in=answered).first()


def instructions_pending(*, project: Project, user) -> bool:
    """True when the project has instructions and the rater has not acknowledged the current version."""
    from labeling.selectors.instructions import instructions_acknowledged, instructions_current

    if instructions_current(project=project) is None:
        return False
    return not instructions_acknowledged(project=project, user=user)


def rater_next_step(*, project: Project, user) -> str:
    """One of: not_a_member, removed, paused, exam, awaiting_approval, instructions, label."""
    membership = ProjectMembership.objects.filter(project=project, user=user).first()
    if membership is None:
        return "not_a_member"
    if membership.status == MembershipStatus.REMOVED:
        return "removed"
    if membership.status == MembershipStatus.PAUSED:
        return "paused"
    if not membership.is_qualified:
        if awaiting_staff_approval(project=project, user=user) and (
            not project.requires_exam or exam_status(project=project, user=user).passed
        ):
            return "awaiting_approval"
        return "exam" if project.requires_exam else "awaiting_approval"
    if instructions_pending(project=project, user=user):
        return "instructions"
    return "label"
