"""Management commands: open a campaign with invite links; re-check the pause rules."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from labeling.models import MembershipStatus, ProjectMembership
from labeling.services.assignment import assignment_lease_next
from labeling.services.projects import project_update
from raters.models import CampaignInvite, RecruitmentCampaign
from tests.clock import submit_after

pytestmark = pytest.mark.django_db


def test_raters_campaign_prints_links(make_project):
    project = make_project(regular=1)
    out = io.StringIO()
    call_command("raters_campaign", "Spring raters", "--project", str(project.pk), "--invites", "2", stdout=out)
    campaign = RecruitmentCampaign.objects.get(slug="spring-raters")
    assert campaign.project == project
    assert "/join/spring-raters/" in out.getvalue()
    assert CampaignInvite.objects.filter(campaign=campaign).count() == 2
    assert out.getvalue().count("?invite=") == 2


def test_raters_recheck_applies_tightened_rules(make_project, make_rater):
    project = make_project(regular=10, pause_fast_share_above=None)
    quick, careful = make_rater(project), make_rater(project)
    for rater, ms in ((quick, 800), (careful, 9000)):
        for _ in range(3):
            a = assignment_lease_next(project=project, rater=rater)
            submit_after(a, rater=rater, value="neutral", ms=ms)
    project_update(project=project, pause_fast_share_above=0.5, pause_min_answers=3)

    out = io.StringIO()
    call_command("raters_recheck", str(project.pk), stdout=out, stderr=io.StringIO())

    assert "Paused 1 of 2 active raters." in out.getvalue()
    assert ProjectMembership.objects.get(project=project, user=quick).status == MembershipStatus.PAUSED
    assert ProjectMembership.objects.get(project=project, user=careful).status == MembershipStatus.ACTIVE
