"""Effective pay per hour from server time, and the hourly floor topped up at the close of a pay period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError
from raters.models import EarningsEntry, EarningsKind, PayoutStatement, PayoutStatementEntry, PeriodState
from raters.selectors.budget import project_budget_report
from raters.selectors.pay import floor_top_up_cents, hourly_rate, my_pay, project_pay, rater_pay
from raters.services.earnings import earnings_adjust
from raters.services.pay import pay_period_close, pay_period_open, pay_policy_set
from tests.raters.pay_helpers import expire_idle, period_until_now, work

pytestmark = pytest.mark.django_db


def test_hourly_figure_matches_a_hand_computed_case_from_server_times(make_project, make_rater):
    # Given a rater paid 10 cents per label who submits three tasks in 60, 120 and 180 s of server time,
    # skips one after 60 s (unpaid, but counted), claims 10 hours per task from the client, and lets one lease expire
    project = make_project(regular=10, pay_per_annotation_cents=10, lease_seconds=600)
    rater = make_rater(project)
    for seconds in (60, 120, 180):
        work(project, rater, seconds=seconds, claimed_ms=36_000_000)
    work(project, rater, seconds=60, skip=True)
    expire_idle(project, rater, idle_seconds=900)

    # When the figure is read
    [row] = rater_pay(project=project)

    # Then: 30 cents over 420 s = 0.30 * 3600 / 420 = 2.5714... per hour, rounded half-even to 2.57
    assert row.worked_ms == 420_000 and row.tasks == 4 and row.paid_cents == 30
    assert row.hourly == Decimal("2.57")
    assert row.median_task_ms == 90_000  # median of 60, 60, 120, 180 s
    assert project_pay(project=project).median_hourly == Decimal("2.57")


def test_a_lease_skipped_after_it_expired_counts_nothing(make_project, make_rater):
    # Given a rater who takes a lease, walks away past its expiry and only then skips it (an idle lease)
    project = make_project(regular=5, pay_per_annotation_cents=10, lease_seconds=60)
    rater = make_rater(project)
    work(project, rater, seconds=30)
    lease = expire_idle(project, rater, idle_seconds=3600)
    from labeling.models import Assignment
    from labeling.services.annotations import assignment_skip

    assignment_skip(assignment_id=lease.pk, rater=rater, reason="back from lunch")
    assert Assignment.objects.get(pk=lease.pk).closed_at > lease.expires_at
    # Then only the 30 s of real work count
    assert rater_pay(project=project)[0].worked_ms == 30_000
    # And a floor of 60.00/h pays for those 30 s only: ceil(6000 * 30 / 3600) = 50, minus 10 earned = 40,
    # not the hour the lease sat idle (which would be 5,990)
    pay_policy_set(project=project, hourly_floor_cents=6000)
    period = period_until_now(project, hours=3)
    assert pay_period_close(period_id=period.pk, actor=None).top_up_cents == 40


def test_rework_of_a_rejected_label_is_unpaid_time_that_counts_and_an_idle_rework_counts_nothing(
    make_project, make_rater, make_user, monkeypatch
):
    from labeling.models import Review, ReviewState
    from labeling.services.projects import membership_add
    from labeling.services.review import review_decide
    from labeling.services.rework import rework_serve, rework_submit

    monkeypatch.setattr("labeling.services.rework._resolve_later", lambda item_id: None)
    # Given a project that reviews every answer, a rater who labels one task in 60 s, and a reviewer
    project = make_project(regular=3, pay_per_annotation_cents=10, lease_seconds=600, overlap=1, review_mode="all")
    rater = make_rater(project)
    reviewer = make_user(name="rev")
    membership_add(project=project, user=reviewer, role="reviewer")
    work(project, rater, seconds=60)

    def reject_and_rework(*, seconds: float) -> None:
        review = Review.objects.get(project=project, state=ReviewState.PENDING)
        review_decide(review_id=review.pk, reviewer=reviewer, outcome="reject", comment="Read it again.")
        assert rework_serve(project=project, rater=rater) is not None
        Review.objects.filter(pk=review.pk).update(rework_served_at=timezone.now() - timedelta(seconds=seconds))
        rework_submit(review_id=review.pk, rater=rater, value="negative")

    # When the reviewer rejects it and the rater corrects it 90 s after the rework was shown
    reject_and_rework(seconds=90)
    # Then the 90 s count (unpaid: the ledger still holds the one label's 10 cents)
    row = rater_pay(project=project)[0]
    assert 150_000 <= row.worked_ms < 151_000 and row.paid_cents == 10 and row.tasks == 2

    # And a rework left open for two lease lengths before it was sent counts nothing (an idle task)
    reject_and_rework(seconds=1200)
    row = rater_pay(project=project)[0]
    assert 150_000 <= row.worked_ms < 151_000 and row.tasks == 3


def test_rounding_rules_are_integer_and_in_the_raters_favour():
    assert floor_top_up_cents(floor_cents=600, worked_ms=420_000, earned_cents=30) == 40  # 70.0 - 30
    assert floor_top_up_cents(floor_cents=600, worked_ms=1, earned_cents=0) == 1  # 0.00016 cents rounds up
    assert floor_top_up_cents(floor_cents=600, worked_ms=3_600_000, earned_cents=900) == 0
    assert hourly_rate(paid_cents=1, worked_ms=0) is None
    assert hourly_rate(paid_cents=5, worked_ms=3_600_000 * 2) == Decimal("0.02")  # 0.025 half-even


def test_closing_tops_pay_up_to_the_floor_through_the_ledger(make_project, make_rater, staff):
    # Given a floor of 6.00 per hour, and two raters: A worked 420 s for 30 cents (2.57/h), B 60 s for 10 cents (6.00/h)
    project = make_project(regular=10, pay_per_annotation_cents=10)
    pay_policy_set(project=project, currency="GBP", hourly_floor_cents=600)
    a, b = make_rater(project, name="ann"), make_rater(project, name="bob")
    for seconds in (60, 120, 180):
        work(project, a, seconds=seconds)
    work(project, a, seconds=60, skip=True)
    work(project, b, seconds=60)
    period = period_until_now(project)

    # When the period closes
    result = pay_period_close(period_id=period.pk, actor=staff)

    # Then A gets a 40-cent top-up (ceil(600 * 420/3600) = 70, minus 30); B is at the floor and gets none
    top_ups = EarningsEntry.objects.filter(kind=EarningsKind.FLOOR_TOP_UP)
    assert [(e.user_id, e.amount_cents, e.pay_period_id) for e in top_ups] == [(a.pk, 40, period.pk)]
    assert result.top_up_cents == 40 and result.statements == 2
    sa = PayoutStatement.objects.get(period=period, user=a)
    assert (sa.earned_cents, sa.topup_cents, sa.total_cents, sa.currency, sa.entry_count) == (30, 40, 70, "GBP", 4)
    assert hourly_rate(paid_cents=sa.total_cents, worked_ms=sa.worked_ms) >= Decimal("6.00")
    # Every statement total is its ledger entries' sum, and every entry sits on exactly one statement
    for statement in PayoutStatement.objects.filter(period=period):
        assert statement.total_cents == sum(line.entry.amount_cents for line in statement.lines.all())
    assert PayoutStatementEntry.objects.count() == EarningsEntry.objects.filter(project=project).count()
    assert project_budget_report(project=project).spent_topup_cents == 40
    # The rater sees their own effective pay, now at the floor
    [mine] = my_pay(user=a)
    assert mine["hourly"] == Decimal("6.00") and mine["floor"] == Decimal("6.00")


def test_top_ups_that_would_pass_the_budget_refuse_the_close_and_store_nothing(make_project, make_rater, staff):
    # Given a budget with 20 cents left after pay, and a floor needing 40 cents of top-up
    project = make_project(regular=10, pay_per_annotation_cents=10, budget_cents=50)
    pay_policy_set(project=project, hourly_floor_cents=600)
    rater = make_rater(project)
    for seconds in (60, 120, 180):
        work(project, rater, seconds=seconds)
    work(project, rater, seconds=60, skip=True)
    period = period_until_now(project)
    # When closing
    with pytest.raises(ConflictError) as refused:
        pay_period_close(period_id=period.pk, actor=staff)
    # Then a 409 with a code, and nothing is written: no top-up, no statement, the period still open
    assert refused.value.extra["code"] == "top_ups_exceed_budget"
    assert refused.value.extra["needed_cents"] == 40 and refused.value.extra["available_cents"] == 20
    assert not EarningsEntry.objects.filter(kind=EarningsKind.FLOOR_TOP_UP).exists()
    assert not PayoutStatement.objects.exists()
    period.refresh_from_db()
    assert period.state == PeriodState.OPEN
    # And once the budget is raised the same close goes through
    from labeling.services.projects import project_update

    project_update(project=project, budget_cents=100)
    assert pay_period_close(period_id=period.pk, actor=staff).top_up_cents == 40


def test_a_careless_admin_closing_twice_writes_one_set_of_statements(make_project, make_rater, staff):
    project = make_project(regular=5, pay_per_annotation_cents=10)
    pay_policy_set(project=project, hourly_floor_cents=900)
    rater = make_rater(project)
    work(project, rater, seconds=500)
    period = period_until_now(project)
    first = pay_period_close(period_id=period.pk, actor=staff)
    second = pay_period_close(period_id=period.pk, actor=staff)
    assert not first.already_closed and second.already_closed and second.top_up_cents == 0
    assert EarningsEntry.objects.filter(kind=EarningsKind.FLOOR_TOP_UP).count() == 1
    assert PayoutStatement.objects.count() == 1


def test_bad_periods_are_refused(make_project, make_rater, staff):
    project = make_project(regular=5)
    now = timezone.now()
    with pytest.raises(ApplicationError) as backwards:
        pay_period_open(project=project, starts_at=now, ends_at=now - timedelta(hours=1))
    assert backwards.value.extra["code"] == "invalid_period"
    pay_period_open(project=project, starts_at=now - timedelta(days=7), ends_at=now)
    with pytest.raises(ConflictError) as overlap:
        pay_period_open(project=project, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=6))
    assert overlap.value.extra["code"] == "period_overlaps"
    future = pay_period_open(project=project, starts_at=now, ends_at=now + timedelta(days=7))
    with pytest.raises(ConflictError) as early:
        pay_period_close(period_id=future.pk, actor=staff)
    assert early.value.extra["code"] in ("period_not_ended", "earlier_period_open")
    with pytest.raises(ApplicationError) as floor:
        pay_policy_set(project=project, hourly_floor_cents=-5)
    assert floor.value.extra["code"] == "invalid_floor"
    with pytest.raises(ApplicationError) as currency:
        pay_policy_set(project=project, currency="JPY")
    assert currency.value.extra["code"] == "invalid_currency"


def test_statements_are_immutable_in_the_database(make_project, make_rater, staff):
    project = make_project(regular=5, pay_per_annotation_cents=10)
    rater = make_rater(project)
    work(project, rater, seconds=30)
    period = period_until_now(project)
    pay_period_close(period_id=period.pk, actor=staff)
    statement = PayoutStatement.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        PayoutStatement.objects.filter(pk=statement.pk).update(total_cents=1_000_000)
    with pytest.raises(DatabaseError), transaction.atomic():
        PayoutStatementEntry.objects.filter(statement=statement).delete()


def test_a_net_claw_back_without_a_floor_carries_into_the_next_period(make_project, make_rater, staff):
    project = make_project(regular=5, pay_per_annotation_cents=10)
    rater = make_rater(project)
    work(project, rater, seconds=30)
    earnings_adjust(
        project=project, user=rater, amount_cents=-25, note="duplicate payment last month", created_by=staff
    )
    period = period_until_now(project)
    assert pay_period_close(period_id=period.pk, actor=staff).statements == 0
    assert not PayoutStatementEntry.objects.exists()  # both entries wait for the next period
