"""Recruitment services: sign-up, invite links, staff approval and rejection, and the exam path."""

from __future__ import annotations

import pytest

from config.exceptions import ApplicationError, ConflictError, ForbiddenError
from labeling.models import MembershipStatus, ProjectMembership
from raters.models import ApplicationStatus, RaterApplication
from raters.selectors.onboarding import rater_next_step
from raters.services.qualification import exam_submit
from raters.services.recruitment import (
    application_approve,
    application_reject,
    campaign_join,
    invite_create,
    rater_sign_up,
)

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase-42"


def _exam_answers(project, correct: bool = True) -> dict:
    return {i.pk: (i.gold_value if correct else "nope") for i in project.items.filter(is_exam=True)}


def test_open_campaign_without_exam_qualifies_at_once(make_project, make_campaign):
    project = make_project(regular=2)
    user = rater_sign_up(campaign=make_campaign(project), username="ann", password=PASSWORD)
    membership = ProjectMembership.objects.get(project=project, user=user)
    assert membership.is_qualified and membership.status == MembershipStatus.ACTIVE
    assert RaterApplication.objects.get(user=user).status == ApplicationStatus.APPROVED
    assert user.rater_profile.pseudonym.startswith("r-")


def test_exam_pass_qualifies_and_approves_the_application(make_project, make_campaign):
    project = make_project(regular=2, exam=4, requires_exam=True, exam_pass_mark=0.75)
    user = rater_sign_up(campaign=make_campaign(project), username="ben", password=PASSWORD)
    assert rater_next_step(project=project, user=user) == "exam"
    attempt = exam_submit(project=project, user=user, answers=_exam_answers(project))
    assert attempt.passed and attempt.score == 1.0
    assert ProjectMembership.objects.get(project=project, user=user).is_qualified
    assert RaterApplication.objects.get(user=user).status == ApplicationStatus.APPROVED
    with pytest.raises(ConflictError):
        exam_submit(project=project, user=user, answers=_exam_answers(project))


def test_failed_exam_starts_the_cooldown(make_project, make_campaign):
    project = make_project(regular=1, exam=2, requires_exam=True, exam_cooldown_minutes=60)
    user = rater_sign_up(campaign=make_campaign(project), username="cat", password=PASSWORD)
    assert not exam_submit(project=project, user=user, answers={}).passed
    with pytest.raises(ForbiddenError) as exc:
        exam_submit(project=project, user=user, answers=_exam_answers(project))
    assert exc.value.extra["code"] == "exam_cooldown" and "retry_at" in exc.value.extra


def test_campaign_requiring_approval_waits_for_staff_even_after_the_exam(make_project, make_campaign, staff):
    project = make_project(regular=1, exam=2, requires_exam=True)
    campaign = make_campaign(project, requires_approval=True)
    user = rater_sign_up(campaign=campaign, username="dan", password=PASSWORD)
    exam_submit(project=project, user=user, answers=_exam_answers(project))
    assert rater_next_step(project=project, user=user) == "awaiting_approval"

    application = RaterApplication.objects.get(user=user)
    application_approve(application_id=application.pk, actor=staff, note="Looks good")

    assert rater_next_step(project=project, user=user) == "label"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.decided_by == staff


def test_rejection_removes_the_applicant_from_the_project(make_project, make_campaign, staff):
    project = make_project(regular=1)
    campaign = make_campaign(project, requires_approval=True)
    user = rater_sign_up(campaign=campaign, username="eve", password=PASSWORD)
    application_reject(application_id=RaterApplication.objects.get(user=user).pk, actor=staff, note="No")
    assert ProjectMembership.objects.get(project=project, user=user).status == MembershipStatus.REMOVED
    assert rater_next_step(project=project, user=user) == "removed"


def test_sign_up_refusals(make_project, make_campaign):
    campaign = make_campaign(make_project(regular=1), rater_types=["expert"])
    with pytest.raises(ApplicationError) as exc:
        rater_sign_up(campaign=campaign, username="fay", password=PASSWORD, rater_type="generalist")
    assert exc.value.extra["code"] == "bad_rater_type"
    with pytest.raises(ApplicationError) as exc:
        rater_sign_up(campaign=campaign, username="fay", password="123", rater_type="expert")
    assert exc.value.extra["code"] == "weak_password"
    rater_sign_up(campaign=campaign, username="fay", password=PASSWORD, rater_type="expert")
    with pytest.raises(ConflictError):
        rater_sign_up(campaign=campaign, username="FAY", password=PASSWORD, rater_type="expert")
    campaign.is_open = False
    campaign.save()
    with pytest.raises(ForbiddenError) as exc:
        rater_sign_up(campaign=campaign, username="gus", password=PASSWORD, rater_type="expert")
    assert exc.value.extra["code"] == "campaign_closed"


def test_existing_user_joins_a_second_campaign_once(make_project, make_campaign, make_user):
    project = make_project(regular=1)
    campaign = make_campaign(project, invite_only=True)
    invite = invite_create(campaign=campaign, max_uses=2)
    user = make_user()
    campaign_join(campaign=campaign, user=user, invite_token=invite.token)
    assert ProjectMembership.objects.filter(project=project, user=user).exists()
    with pytest.raises(ConflictError):
        campaign_join(campaign=campaign, user=user, invite_token=invite.token)
    invite.refresh_from_db()
    assert invite.use_count == 1
