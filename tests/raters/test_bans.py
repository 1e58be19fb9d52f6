"""Project bans: a rejected or removed person stays out through every way in, until staff lift the ban.

Each test plays the person who was turned away and tries the next door: another campaign, an invite, a fresh
account with the same mailbox, the web form, a second pending application, the membership API.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from config.exceptions import ForbiddenError
from labeling.models import MembershipStatus, ProjectMembership
from labeling.services.projects import membership_add
from raters.models import ApplicationStatus, CampaignInvite, ProjectBan, RaterApplication
from raters.selectors.bans import email_normalize
from raters.services.recruitment import campaign_join, invite_create

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase-42"


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _web_form(username: str, email: str) -> dict:
    return {
        "username": username,
        "email": email,
        "password": PASSWORD,
        "password_again": PASSWORD,
        "rater_type": "generalist",
    }


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Mallory.X+fraud@Gmail.com", "malloryx@gmail.com"),
        (" m.a.l.l.o.r.y.x@googlemail.com ", "malloryx@gmail.com"),
        ("Ann+tag@Example.org", "ann@example.org"),
        ("ann.b@example.org", "ann.b@example.org"),
        ("", ""),
        ("not-an-address", "not-an-address"),
    ],
)
def test_email_normalize(raw, normalized):
    assert email_normalize(raw) == normalized


def test_rejected_applicant_is_refused_on_every_way_back_until_the_ban_is_lifted(make_project, make_campaign, staff):
    # Given an applicant who signed up through an approval campaign and also applied through a second one
    project = make_project(regular=5)
    vetted = make_campaign(project, requires_approval=True)
    second = make_campaign(project, requires_approval=True)
    open_campaign = make_campaign(project)
    invited = make_campaign(project, invite_only=True)
    invite = invite_create(campaign=invited, max_uses=5)
    signup = _api().post(
        f"/api/raters/campaigns/{vetted.slug}/signup/",
        {"username": "mallory", "password": PASSWORD, "email": "Mallory.X+a@Gmail.com"},
        format="json",
    )
    assert signup.status_code == 201
    mallory = get_user_model().objects.get(username="mallory")
    campaign_join(campaign=second, user=mallory)
    pending = RaterApplication.objects.get(campaign=second, user=mallory)

    # When staff reject the first application as fraud
    first = RaterApplication.objects.get(campaign=vetted, user=mallory)
    rejected = _api(staff).post(f"/api/raters/applications/{first.pk}/reject/", {"note": "fraud"})
    assert rejected.status_code == 200
    ban = ProjectBan.objects.get(project=project, user=mallory)
    assert ban.reason == "fraud" and ban.banned_by == staff and ban.email_normalized == "malloryx@gmail.com"
    users_before = get_user_model().objects.count()
    applications_before = RaterApplication.objects.count()

    # Then every way back in is a 403 `banned`, and nothing is stored
    web = Client()
    web.force_login(mallory)
    joined = web.post(f"/join/{open_campaign.slug}/")
    assert joined.status_code == 403 and b"You cannot join this project." in joined.content
    by_invite = web.post(f"/join/{invited.slug}/?invite={invite.token}", {"invite": invite.token})
    assert by_invite.status_code == 403
    assert CampaignInvite.objects.get(pk=invite.pk).use_count == 0
    with pytest.raises(ForbiddenError) as exc:
        campaign_join(campaign=open_campaign, user=mallory)
    assert exc.value.extra == {"code": "banned"}

    fresh_api = _api().post(
        f"/api/raters/campaigns/{open_campaign.slug}/signup/",
        {"username": "mallory2", "password": PASSWORD, "email": "mallory.x@gmail.com"},
        format="json",
    )
    assert fresh_api.status_code == 403
    assert fresh_api.json() == {"message": "You cannot join this project.", "extra": {"code": "banned"}}
    fresh_web = Client().post(f"/join/{open_campaign.slug}/", _web_form("mallory3", "m.a.l.lory.x+zz@googlemail.com"))
    assert fresh_web.status_code == 403 and b"You cannot join this project." in fresh_web.content

    approval = _api(staff).post(f"/api/raters/applications/{pending.pk}/approve/", {"note": "by mistake"})
    assert approval.status_code == 403 and approval.json()["extra"]["code"] == "banned"
    pending.refresh_from_db()
    assert pending.status == ApplicationStatus.PENDING and pending.decided_by is None

    member_api = _api(staff).post(f"/api/projects/{project.pk}/members/", {"user_id": mallory.pk}, format="json")
    assert member_api.status_code == 403 and member_api.json()["extra"]["code"] == "banned"

    assert get_user_model().objects.count() == users_before
    assert RaterApplication.objects.count() == applications_before
    membership = ProjectMembership.objects.get(project=project, user=mallory)
    assert membership.status == MembershipStatus.REMOVED and not membership.is_qualified

    # And a different mailbox on a different project is not affected by this ban
    other = make_project(regular=2)
    assert membership_add(project=other, user=mallory).status == MembershipStatus.ACTIVE

    # When staff list the bans and lift this one (a reason is required), the history stays
    bans = _api(staff).get(f"/api/raters/projects/{project.pk}/bans/").json()
    assert [(b["username"], b["reason"], b["is_active"]) for b in bans] == [("mallory", "fraud", True)]
    lift_url = f"/api/raters/projects/{project.pk}/bans/{ban.pk}/lift/"
    assert _api(staff).post(lift_url, {"reason": ""}).status_code == 400
    assert _api(mallory).post(lift_url, {"reason": "me"}).status_code == 403
    lifted = _api(staff).post(lift_url, {"reason": "ID verified by phone"})
    assert lifted.status_code == 200 and lifted.json()["is_active"] is False
    assert _api(staff).post(lift_url, {"reason": "again"}).json()["extra"]["code"] == "ban_already_lifted"
    history = _api(staff).get(f"/api/raters/projects/{project.pk}/bans/").json()
    assert history[0]["lift_reason"] == "ID verified by phone" and history[0]["lifted_by"] == staff.username
    assert _api(staff).get(f"/api/raters/projects/{project.pk}/bans/?active=1").json() == []

    # Then the person can join again
    assert web.post(f"/join/{open_campaign.slug}/").status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.is_qualified


def test_removing_a_member_bans_them_and_managers_cannot_remove_managers(make_project, make_rater, staff):
    # Given a rater, a manager and a second manager on a project
    project = make_project(regular=3)
    rater = make_rater(project)
    manager = make_rater(project)
    other_manager = make_rater(project)
    membership_add(project=project, user=manager, role="manager")
    membership_add(project=project, user=other_manager, role="manager")

    # When the manager removes the rater
    removed = _api(manager).delete(f"/api/projects/{project.pk}/members/{rater.pk}/", {"reason": "bot"}, format="json")

    # Then the rater is removed and banned, so the manager (or staff) cannot simply re-add them
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert ProjectBan.objects.get(project=project, user=rater).banned_by == manager
    again = _api(staff).post(f"/api/projects/{project.pk}/members/", {"user_id": rater.pk}, format="json")
    assert again.status_code == 403 and again.json()["extra"]["code"] == "banned"

    # And a manager cannot remove another manager (or themselves); staff can
    refused = _api(manager).delete(f"/api/projects/{project.pk}/members/{other_manager.pk}/")
    assert refused.status_code == 403 and refused.json()["extra"]["code"] == "member_is_manager"
    assert ProjectMembership.objects.get(project=project, user=other_manager).status == MembershipStatus.ACTIVE
    assert not ProjectBan.objects.filter(user=other_manager).exists()
    assert _api(staff).delete(f"/api/projects/{project.pk}/members/{other_manager.pk}/").status_code == 200
    # A rater cannot remove anyone
    outsider = make_rater(project)
    assert _api(outsider).delete(f"/api/projects/{project.pk}/members/{manager.pk}/").status_code == 403
