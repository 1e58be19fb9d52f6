"""The API side: every refusal is clear (message + code), staff-only operations need staff."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from labeling.services.assignment import assignment_lease_next
from raters.models import ApplicationStatus, RaterApplication
from raters.services.quality import rater_pause

pytestmark = pytest.mark.django_db


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def project(make_project):
    return make_project(regular=5, exam=3, requires_exam=True)


def test_paused_rater_is_refused_a_task_with_the_reason(project, make_rater, staff):
    rater = make_rater(project)
    rater_pause(project=project, user=rater, reason="Too many answers under 2 s.", actor=staff)
    response = _api(rater).post(f"/api/projects/{project.pk}/tasks/next/")
    assert response.status_code == 403
    assert response.json() == {
        "message": "Your account is paused on this project: Too many answers under 2 s.",
        "extra": {"code": "paused"},
    }
    status = _api(rater).get(f"/api/raters/me/projects/{project.pk}/").json()
    assert status["can_label"] is False and status["refusal"]["code"] == "paused"
    assert status["pause_reason"] == "Too many answers under 2 s."
    me = _api(rater).get("/api/raters/me/").json()
    assert me["projects"][0]["status"] == "paused"


def test_unqualified_rater_is_refused(project, make_rater):
    rater = make_rater(project, qualified=False)
    response = _api(rater).post(f"/api/projects/{project.pk}/tasks/next/")
    assert response.status_code == 403
    assert response.json()["extra"]["code"] == "not_qualified"
    assert "not qualified" in response.json()["message"]


def test_rater_of_another_project_is_refused(project, make_project, make_rater):
    outsider = make_rater(make_project(regular=1))
    for method, path in (
        ("post", f"/api/projects/{project.pk}/tasks/next/"),
        ("get", f"/api/raters/projects/{project.pk}/exam/"),
        ("get", f"/api/raters/me/projects/{project.pk}/"),
    ):
        response = getattr(_api(outsider), method)(path)
        assert response.status_code == 404, path
        assert response.json() == {"message": "No such project.", "extra": {"code": "project_not_found"}}


@pytest.mark.parametrize(
    "path",
    ["/api/raters/me/", "/api/raters/me/earnings/", "/api/raters/projects/{p}/exam/", "/api/projects/{p}/tasks/next/"],
)
def test_anonymous_visitor_is_refused(project, path):
    client = _api()
    call = client.post if path.endswith("next/") else client.get
    response = call(path.format(p=project.pk))
    assert response.status_code in (401, 403)
    assert response.json()["message"] == "Authentication credentials were not provided."


def test_staff_endpoints_need_staff(project, make_rater, staff):
    rater = make_rater(project)
    for path in (
        "/api/raters/applications/",
        f"/api/raters/projects/{project.pk}/quality/",
        f"/api/raters/projects/{project.pk}/diversity/",
        f"/api/raters/projects/{project.pk}/budget/",
    ):
        assert _api(rater).get(path).status_code == 403, path
        assert _api(staff).get(path).status_code == 200, path


def test_exam_over_the_api_with_cooldown(project, make_rater):
    rater = make_rater(project, qualified=False)
    exam = _api(rater).get(f"/api/raters/projects/{project.pk}/exam/").json()
    assert len(exam["questions"]) == 3
    assert set(exam["questions"][0]) == {"item_id", "payload"}  # no answer leaks
    wrong = {q["item_id"]: "nonsense" for q in exam["questions"]}
    failed = _api(rater).post(f"/api/raters/projects/{project.pk}/exam/", {"answers": wrong}, format="json")
    assert failed.status_code == 201 and failed.json()["passed"] is False
    again = _api(rater).post(f"/api/raters/projects/{project.pk}/exam/", {"answers": wrong}, format="json")
    assert again.status_code == 403 and again.json()["extra"]["code"] == "exam_cooldown"


def test_campaign_signup_and_staff_approval_over_the_api(project, make_campaign, staff):
    campaign = make_campaign(project, requires_approval=True)
    signup = _api().post(
        f"/api/raters/campaigns/{campaign.slug}/signup/",
        {"username": "apiuser", "password": "a-long-pass-phrase-42", "rater_type": "expert"},
        format="json",
    )
    assert signup.status_code == 201 and signup.json()["token"]
    application = RaterApplication.objects.get(user__username="apiuser")
    assert application.status == ApplicationStatus.PENDING

    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {signup.json()['token']}")
    refused = token_client.post(f"/api/projects/{project.pk}/tasks/next/")
    assert refused.status_code == 403 and refused.json()["extra"]["code"] == "not_qualified"

    approved = _api(staff).post(f"/api/raters/applications/{application.pk}/approve/", {"note": "CV checked"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    task = token_client.post(f"/api/projects/{project.pk}/tasks/next/")
    assert task.status_code == 200 and "payload" in task.json()


def test_staff_reinstate_over_the_api(project, make_rater, staff):
    rater = make_rater(project)
    assignment_lease_next(project=project, rater=rater)
    paused = _api(staff).post(f"/api/raters/projects/{project.pk}/raters/{rater.pk}/pause/", {"note": "Check"})
    assert paused.status_code == 200
    quality = _api(staff).get(f"/api/raters/projects/{project.pk}/quality/").json()
    assert quality["raters"][0]["status"] == "paused"
    reinstated = _api(staff).post(f"/api/raters/projects/{project.pk}/raters/{rater.pk}/reinstate/")
    assert reinstated.status_code == 200 and reinstated.json() == {"status": "active"}
    again = _api(staff).post(f"/api/raters/projects/{project.pk}/raters/{rater.pk}/reinstate/")
    assert again.status_code == 400 and again.json()["extra"]["code"] == "not_paused"


def test_attributes_are_only_returned_to_their_owner(make_user, staff):
    user = make_user()
    _api(user).put("/api/raters/me/attributes/", {"consent": True, "language": "de"}, format="json")
    assert _api(user).get("/api/raters/me/attributes/").json()["language"] == "de"
    assert "language" not in _api(staff).get("/api/raters/me/attributes/").json()
    refused = _api(user).put("/api/raters/me/attributes/", {"consent": False, "language": "de"}, format="json")
    assert refused.status_code == 400 and refused.json()["extra"]["code"] == "consent_required"
    assert _api(user).delete("/api/raters/me/attributes/").status_code == 204
    assert _api(user).get("/api/raters/me/attributes/").json()["consented"] is False


def test_staff_open_a_campaign_with_places_over_the_api(project, staff):
    # Given staff opening a campaign with 1 place
    created = _api(staff).post(
        "/api/raters/campaigns/", {"title": "One seat", "project": project.pk, "places": 1}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["places"] == 1 and created.json()["is_open"] is True
    assert _api(staff).post("/api/raters/campaigns/", {"title": "None", "places": 0}, format="json").status_code == 400

    # When one person takes the place
    slug = created.json()["slug"]
    first = _api().post(
        f"/api/raters/campaigns/{slug}/signup/", {"username": "seat1", "password": "a-long-pass-phrase-42"}
    )
    second = _api().post(
        f"/api/raters/campaigns/{slug}/signup/", {"username": "seat2", "password": "a-long-pass-phrase-42"}
    )

    # Then the next is told the campaign is closed, and staff see why
    assert first.status_code == 201
    assert second.status_code == 403
    assert second.json() == {"message": "This campaign is closed.", "extra": {"code": "campaign_closed"}}
    listed = next(c for c in _api(staff).get("/api/raters/campaigns/").json() if c["slug"] == slug)
    assert listed["is_open"] is False and listed["closed_reason"] == "full" and listed["closed_at"]


def test_staff_close_a_campaign_and_it_stays_closed(project, make_campaign, staff, make_rater):
    campaign = make_campaign(project)
    url = f"/api/raters/campaigns/{campaign.slug}/close/"
    assert _api(make_rater(project)).post(url).status_code == 403
    closed = _api(staff).post(url)
    assert closed.status_code == 200 and closed.json()["closed_reason"] == "staff"
    assert _api(staff).post(url).json()["closed_reason"] == "staff"
    signup = _api().post(
        f"/api/raters/campaigns/{campaign.slug}/signup/", {"username": "late", "password": "a-long-pass-phrase-42"}
    )
    assert signup.status_code == 403 and signup.json()["extra"]["code"] == "campaign_closed"
