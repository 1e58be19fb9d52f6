"""Staff actions on raters in the back office: one access rule, one login, and refusals that store nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from labeling.models import MembershipStatus, ProjectMembership
from raters.models import ApplicationStatus, RaterApplication
from raters.services.quality import rater_pause
from raters.services.recruitment import rater_sign_up

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def lead(db):
    return get_user_model().objects.create_user("lead", password="pw-123456789", is_staff=True)


@pytest.fixture
def project(make_project):
    return make_project(regular=6)


def test_one_rule_guards_every_staff_page(project, make_rater, lead):
    # Given a rater, an anonymous visitor and a staff member
    rater = make_rater(project)
    pages = ["/dashboard/applications/", f"/dashboard/projects/{project.pk}/raters/"]
    for path in pages:
        # Anonymous visitors go to the one staff login; raters are refused; staff see the page
        anonymous = _client().get(path)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/dashboard/login/"), path
        refused = _client(rater).get(path)
        assert refused.status_code == 403 and refused["X-Refusal-Code"] == "staff_only", path
        assert b"The dashboard is for staff only." in refused.content
        assert _client(lead).get(path).status_code == 200, path


def test_old_staff_addresses_redirect_into_the_dashboard(project, lead):
    client = _client(lead)
    assert client.get("/staff/applications/")["Location"] == "/dashboard/applications/"
    assert (
        client.get(f"/staff/projects/{project.pk}/raters/")["Location"] == f"/dashboard/projects/{project.pk}/raters/"
    )
    diversity = client.get(f"/staff/projects/{project.pk}/diversity/")
    assert diversity.status_code == 301 and diversity["Location"] == f"/dashboard/projects/{project.pk}/diversity/"


def test_paused_rater_reinstating_themself_is_refused_and_nothing_changes(project, make_rater, lead):
    # Given a paused rater who scripts the reinstate form
    rater = make_rater(project)
    rater_pause(project=project, user=rater, reason="Too fast.", actor=lead)
    url = f"/dashboard/projects/{project.pk}/raters/{rater.pk}/reinstate/"
    assert _client(rater).post(url, {"note": "let me back"}).status_code == 403
    assert ProjectMembership.objects.get(project=project, user=rater).status == MembershipStatus.PAUSED

    # When staff reinstate from the raters page, which showed the reason
    page = _client(lead).get(f"/dashboard/projects/{project.pk}/raters/").content.decode()
    assert "Too fast." in page and url in page
    response = _client(lead).post(url, {"note": "Talked to them."}, follow=True)

    # Then the rater is active, the refreshed table says so, and they get tasks again
    assert ProjectMembership.objects.get(project=project, user=rater).status == MembershipStatus.ACTIVE
    assert f"{rater.get_username()} is reinstated." in response.content.decode()
    row = next(r for r in response.context["page"]["rows"] if r["rater_id"] == rater.pk)
    assert row["status"] == MembershipStatus.ACTIVE
    assert _client(rater).get(f"/projects/{project.pk}/label/").status_code == 200


def test_applicant_cannot_approve_themself_staff_can(project, make_campaign, lead):
    # Given an applicant waiting for staff approval
    campaign = make_campaign(project, requires_approval=True)
    applicant = rater_sign_up(campaign=campaign, username="applicant", password="Applicant-pass-2024")
    application = RaterApplication.objects.get(user=applicant)
    url = f"/dashboard/applications/{application.pk}/approve/"

    # The applicant posting the approval is refused and the application stays pending
    assert _client(applicant).post(url).status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING

    # Staff see it listed and approve it
    assert "applicant" in _client(lead).get("/dashboard/applications/").content.decode()
    response = _client(lead).post(url, {"note": "CV checked"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/applications/"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.decided_by == lead
    assert _client(lead).post(f"/dashboard/applications/{application.pk}/maybe/").status_code == 404
