"""Recruitment services: sign-up, invite links, staff approval and rejection, and the exam path."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from config.exceptions import ApplicationError, ConflictError, ForbiddenError
from labeling.models import MembershipStatus, ProjectMembership, Role
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from labeling.services.items import items_import
from labeling.services.projects import project_update
from raters.models import ApplicationStatus, CloseReason, RaterApplication, RecruitmentCampaign
from raters.selectors.onboarding import rater_next_step
from raters.services.qualification import exam_submit
from raters.services.recruitment import (
    application_approve,
    application_reject,
    campaign_join,
    invite_create,
    rater_sign_up,
)
from raters.tasks import close_finished_campaigns

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


def test_a_campaign_with_3_places_closes_after_3_and_stays_closed(make_project, make_campaign, make_user):
    # Given a campaign with 3 places on a project with plenty of work
    project = make_project(regular=10)
    campaign = make_campaign(project, places=3)

    # When 3 people apply
    for name in ("p1", "p2", "p3"):
        rater_sign_up(campaign=campaign, username=name, password=PASSWORD)

    # Then the campaign closed itself, and the 4th (new account or existing user) is refused with nothing stored
    campaign.refresh_from_db()
    assert campaign.is_open is False and campaign.closed_reason == CloseReason.FULL and campaign.closed_at
    users = get_user_model().objects.count()
    with pytest.raises(ForbiddenError) as exc:
        rater_sign_up(campaign=campaign, username="p4", password=PASSWORD)
    assert exc.value.extra["code"] == "campaign_closed"
    with pytest.raises(ForbiddenError):
        campaign_join(campaign=campaign, user=make_user())
    assert get_user_model().objects.count() == users + 1  # only make_user's account
    assert RaterApplication.objects.filter(campaign=campaign).count() == 3

    # And the API and the web page say closed too
    api = APIClient().post(
        f"/api/raters/campaigns/{campaign.slug}/signup/", {"username": "p5", "password": PASSWORD}, format="json"
    )
    assert api.status_code == 403 and api.json()["extra"]["code"] == "campaign_closed"
    assert Client().get(f"/join/{campaign.slug}/").status_code == 410


def test_a_stale_open_flag_cannot_oversell_places(make_project, make_campaign):
    # A careless admin reopens a full campaign by hand: the join itself re-checks the places and closes it again
    campaign = make_campaign(make_project(regular=5), places=1)
    rater_sign_up(campaign=campaign, username="only", password=PASSWORD)
    RecruitmentCampaign.objects.filter(pk=campaign.pk).update(is_open=True, closed_reason="")
    campaign.refresh_from_db()
    with pytest.raises(ForbiddenError):
        rater_sign_up(campaign=campaign, username="extra", password=PASSWORD)
    assert not get_user_model().objects.filter(username="extra").exists()
    assert RecruitmentCampaign.objects.get(pk=campaign.pk).is_open is False


def test_a_full_projects_campaign_is_closed_and_the_periodic_check_closes_the_rest(
    make_project, make_campaign, make_rater
):
    # Given two campaigns on a project whose only item has all its raters, and one on a project with work
    done = make_project(regular=1, overlap=1)
    rater = make_rater(done)
    annotation_submit(assignment_id=assignment_lease_next(project=done, rater=rater).pk, rater=rater, value="positive")
    joined, idle = make_campaign(done), make_campaign(done)
    busy = make_campaign(make_project(regular=3))

    # When someone tries to join the finished project's campaign
    with pytest.raises(ForbiddenError) as exc:
        rater_sign_up(campaign=joined, username="late", password=PASSWORD)

    # Then it is refused, closed for good, and no account was made
    assert exc.value.extra["code"] == "campaign_closed"
    assert not get_user_model().objects.filter(username="late").exists()
    joined.refresh_from_db()
    assert joined.is_open is False and joined.closed_reason == CloseReason.WORK_DONE

    # And the periodic task closes the idle campaign of the finished project, not the busy one
    assert close_finished_campaigns.apply().get() == 1
    idle.refresh_from_db()
    busy.refresh_from_db()
    assert idle.is_open is False and idle.closed_reason == CloseReason.WORK_DONE
    assert busy.is_open is True
    # Closed stays closed: new work does not reopen it
    items_import(project=done, records=[{"external_id": "new", "payload": {"text": "More work."}}])
    assert close_finished_campaigns.apply().get() == 0
    idle.refresh_from_db()
    assert idle.is_open is False


def test_the_beat_schedule_runs_the_campaign_check():
    entry = settings.CELERY_BEAT_SCHEDULE["close-finished-campaigns"]
    assert entry["task"] == close_finished_campaigns.name


def test_approval_campaign_never_qualifies_before_a_staff_decision(make_project, make_campaign, make_user, staff):
    # Given an approval campaign on a project without an exam, and one with an exam
    plain = make_project(regular=3)
    examined = make_project(regular=3, exam=2, requires_exam=True)
    for project in (plain, examined):
        campaign = make_campaign(project, requires_approval=True)
        user = rater_sign_up(campaign=campaign, username=f"wait-{project.pk}", password=PASSWORD)
        if project.requires_exam:
            exam_submit(project=project, user=user, answers=_exam_answers(project))
        # Then the applicant is not qualified and cannot get a task until staff decide
        membership = ProjectMembership.objects.get(project=project, user=user)
        assert membership.is_qualified is False
        assert rater_next_step(project=project, user=user) == "awaiting_approval"
        with pytest.raises(ForbiddenError):
            assignment_lease_next(project=project, rater=user)
        application_approve(application_id=RaterApplication.objects.get(user=user).pk, actor=staff)
        membership.refresh_from_db()
        assert membership.is_qualified is True


def test_places_must_be_positive(make_campaign):
    with pytest.raises(ApplicationError) as exc:
        make_campaign(places=0)
    assert exc.value.extra["code"] == "bad_places"


def test_a_project_not_started_recruits_and_an_inactive_one_does_not(make_project, make_campaign):
    # A project with no items yet may recruit before its import; a deactivated project's campaign closes
    early = make_campaign(make_project(regular=0))
    assert rater_sign_up(campaign=early, username="early", password=PASSWORD).pk
    stopped_project = make_project(regular=3)
    stopped = make_campaign(stopped_project)
    project_update(project=stopped_project, is_active=False)
    with pytest.raises(ForbiddenError) as exc:
        rater_sign_up(campaign=stopped, username="too-late", password=PASSWORD)
    assert exc.value.extra["code"] == "campaign_closed"
    stopped.refresh_from_db()
    assert stopped.closed_reason == CloseReason.WORK_DONE


@pytest.mark.django_db(transaction=True)
def test_racing_sign_ups_never_oversell_places(make_project, make_campaign):
    # Given a campaign with 3 places and 8 scripts signing up at the same instant, each on its own connection
    campaign = make_campaign(make_project(regular=10), places=3)
    start = threading.Barrier(8)
    codes: list[int] = []
    lock = threading.Lock()

    def sign_up(i: int) -> None:
        try:
            start.wait()
            response = APIClient().post(
                f"/api/raters/campaigns/{campaign.slug}/signup/",
                {"username": f"racer{i}", "password": PASSWORD},
                format="json",
            )
            with lock:
                codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly 3 got in, the others were told the campaign is closed, and only 3 accounts exist
    assert sorted(codes) == [201] * 3 + [403] * 5
    assert RaterApplication.objects.filter(campaign=campaign).count() == 3
    assert get_user_model().objects.filter(username__startswith="racer").count() == 3
    assert RecruitmentCampaign.objects.get(pk=campaign.pk).is_open is False


@pytest.mark.django_db(transaction=True)
def test_a_duplicated_sign_up_request_is_one_account_and_a_clear_409(make_project, make_campaign):
    # Given the same sign-up request sent 4 times at the same instant
    campaign = make_campaign(make_project(regular=10))
    start = threading.Barrier(4)
    codes: list[int] = []

    def send() -> None:
        try:
            start.wait()
            response = APIClient().post(
                f"/api/raters/campaigns/{campaign.slug}/signup/",
                {"username": "twice", "password": PASSWORD},
                format="json",
            )
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one account exists and the others got 409, never a 500
    assert sorted(codes) == [201, 409, 409, 409]
    assert get_user_model().objects.filter(username="twice").count() == 1
    assert RaterApplication.objects.filter(campaign=campaign).count() == 1


def test_a_manager_who_joins_a_campaign_keeps_the_manager_role(make_project, make_campaign, make_user):
    # Given a manager of the project who also signs up through its campaign to label
    from labeling.services.projects import membership_add

    project = make_project(regular=5)
    manager = make_user()
    membership_add(project=project, user=manager, role=Role.MANAGER)
    campaign = make_campaign(project)

    # When they join
    application = campaign_join(campaign=campaign, user=manager)

    # Then they are still a manager (joining never demotes anyone), and the application is recorded
    assert ProjectMembership.objects.get(project=project, user=manager).role == Role.MANAGER
    assert application.campaign_id == campaign.pk


def test_a_malformed_rate_limit_fails_the_start_up_check(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.RATERS = {**getattr(settings, "RATERS", {}), "RATE_LIMITS": {"signup_address": "ten per hour"}}
    with pytest.raises(SystemCheckError, match="raters.E001"):
        call_command("check")
