"""The staff pay page and the rater's own figure, through Django's test client (the browser test draws them)."""

from __future__ import annotations

import pytest
from django.test import Client

from raters.models import EarningsEntry, PayoutStatement, PeriodState
from raters.services.pay import pay_policy_set
from tests.raters.pay_helpers import period_until_now, work

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pay_page_shows_the_figure_and_refuses_raters(make_project, make_rater, staff):
    project = make_project(regular=10, pay_per_annotation_cents=10)
    pay_policy_set(project=project, hourly_floor_cents=600)
    rater = make_rater(project)
    work(project, rater, seconds=60)
    page = _client(staff).get(f"/dashboard/projects/{project.pk}/pay/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "6.00 USD" in body and 'id="median-hourly">6.00 USD' in body  # 10 cents in 60 s = 6.00/h
    assert 'class="threshold"' in body
    refused = _client(rater).get(f"/dashboard/projects/{project.pk}/pay/")
    assert refused.status_code == 403 and refused["X-Refusal-Code"] == "staff_only"
    # A rater cannot post a close either
    period = period_until_now(project)
    _client(rater).post(f"/dashboard/projects/{project.pk}/pay/periods/{period.pk}/close/")
    period.refresh_from_db()
    assert period.state == PeriodState.OPEN


def test_closing_past_the_budget_on_the_page_says_why_and_stores_nothing(make_project, make_rater, staff):
    project = make_project(regular=10, pay_per_annotation_cents=10, budget_cents=20)
    pay_policy_set(project=project, hourly_floor_cents=6000)
    rater = make_rater(project)
    work(project, rater, seconds=60)
    period = period_until_now(project)
    response = _client(staff).post(f"/dashboard/projects/{project.pk}/pay/periods/{period.pk}/close/", follow=True)
    assert "top_ups_exceed_budget" in response.content.decode()
    assert not PayoutStatement.objects.exists() and EarningsEntry.objects.count() == 1
    # Exporting the still open period from the page is refused the same way
    response = _client(staff).post(
        f"/dashboard/projects/{project.pk}/pay/periods/{period.pk}/export/prolific/", follow=True
    )
    assert "period_open" in response.content.decode()


def test_the_rater_sees_only_their_own_pay_on_my_stats(make_project, make_rater, staff):
    project = make_project(regular=10, pay_per_annotation_cents=10)
    me, other = make_rater(project, name="me"), make_rater(project, name="other")
    work(project, me, seconds=120)
    work(project, other, seconds=30)
    body = _client(me).get("/me/stats/").content.decode()
    assert "3.00 USD" in body  # 10 cents in 120 s
    assert "12.00 USD" not in body  # the other rater's 10 cents in 30 s
