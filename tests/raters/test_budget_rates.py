"""A careless admin cannot push spend past the budget by changing rates, nor pay a stranger."""

from __future__ import annotations

import pytest
from django.test import Client

from config.exceptions import ApplicationError, NotFoundError
from labeling.models import MembershipStatus, Project, ProjectMembership
from labeling.services.assignment import assignment_lease_next
from labeling.services.projects import project_update
from raters.models import EarningsEntry
from raters.selectors.budget import project_budget_report
from raters.services.earnings import earnings_adjust

pytestmark = pytest.mark.django_db


def test_raising_pay_while_leases_are_open_is_refused_when_the_budget_cannot_cover_them(make_project, make_rater):
    # Given a budget of 100 at 10 cents a task and 10 open leases: everything is reserved
    project = make_project(regular=20, overlap=1, pay_per_annotation_cents=10, budget_cents=100)
    for _ in range(10):
        assert assignment_lease_next(project=project, rater=make_rater(project)) is not None
    assert project_budget_report(project=project).remaining_cents == 0

    # When the admin raises the pay to 12 cents (the open leases would be paid at the new rate)
    with pytest.raises(ApplicationError) as refused:
        project_update(project=project, pay_per_annotation_cents=12)

    # Then the change is refused with a code and nothing was changed
    assert refused.value.extra["code"] == "budget_exceeded"
    assert Project.objects.get(pk=project.pk).pay_per_annotation_cents == 10
    # And lowering the budget below what is committed is refused too, while raising it passes
    with pytest.raises(ApplicationError):
        project_update(project=project, budget_cents=90)
    project_update(project=project, budget_cents=150, pay_per_annotation_cents=12)
    report = project_budget_report(project=project)
    assert report.committed_cents == 120 and report.remaining_cents == 30


def test_other_settings_change_freely_on_a_fully_committed_budget(make_project, make_rater):
    # Given a project whose budget is exactly committed
    project = make_project(regular=5, overlap=1, pay_per_annotation_cents=10, budget_cents=20)
    for _ in range(2):
        assignment_lease_next(project=project, rater=make_rater(project))

    # When staff edit the description, Then nothing about money is checked
    project_update(project=project, description="Clearer wording.")
    assert Project.objects.get(pk=project.pk).description == "Clearer wording."


def test_an_adjustment_for_someone_who_never_worked_on_the_project_is_refused(make_project, make_user, staff):
    # Given a project and a user who was never a member of it
    project = make_project(regular=2, budget_cents=1000)
    stranger = make_user()

    # When staff try to pay the stranger, Then it is refused and nothing is stored
    with pytest.raises(NotFoundError) as refused:
        earnings_adjust(project=project, user=stranger, amount_cents=50, note="bonus", created_by=staff)
    assert refused.value.extra["code"] == "not_a_member"
    assert not EarningsEntry.objects.exists()


def test_a_removed_member_can_still_have_past_pay_corrected(make_project, make_rater, staff):
    # Given a rater who worked on the project and was removed
    project = make_project(regular=2, budget_cents=1000)
    rater = make_rater(project)
    ProjectMembership.objects.filter(project=project, user=rater).update(status=MembershipStatus.REMOVED)

    # When staff correct their pay, Then the entry is stored
    entry = earnings_adjust(project=project, user=rater, amount_cents=-5, note="double pay", created_by=staff)
    assert entry.amount_cents == -5


def test_the_admin_cannot_reactivate_a_membership_behind_the_services_back(make_project, make_rater, staff):
    # Given a removed (banned) member and a staff superuser in the Django admin
    project = make_project(regular=2)
    rater = make_rater(project)
    membership = ProjectMembership.objects.get(project=project, user=rater)
    ProjectMembership.objects.filter(pk=membership.pk).update(status=MembershipStatus.REMOVED)
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)

    # When they post a change to the membership in the admin
    url = f"/admin/labeling/projectmembership/{membership.pk}/change/"
    response = client.post(url, {"project": project.pk, "user": rater.pk, "role": "rater", "status": "active"})

    # Then the admin refuses (memberships change only through the services) and the row is unchanged
    assert response.status_code == 403
    assert ProjectMembership.objects.get(pk=membership.pk).status == MembershipStatus.REMOVED
