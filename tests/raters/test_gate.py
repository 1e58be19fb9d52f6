"""The task gate: membership, pause, qualification and budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from config.exceptions import ForbiddenError
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next, leases_reclaim_expired
from labeling.services.projects import project_update
from raters.models import EarningsEntry
from raters.selectors.budget import BudgetReport, project_budget_report
from raters.services.gate import rater_task_refusal
from tests.clock import submit_after
from tests.raters.budget_model import Answer, owed
from tests.raters.conftest import CATEGORIES

pytestmark = pytest.mark.django_db


def _answer(assignment, *, correct: bool) -> str:
    """The gold answer, or a wrong category; a regular item gets any category."""
    if not assignment.item.is_gold:
        return "neutral"
    gold = str(assignment.item.gold_value)
    return gold if correct else next(c for c in CATEGORIES if c != gold)


def _assert_adds_up(project, report: BudgetReport) -> None:
    """The report's figures agree with the ledger and with each other, and nothing is overspent."""
    ledger = EarningsEntry.objects.filter(project=project).aggregate(s=Sum("amount_cents"))
    assert report.spent_cents == (ledger["s"] or 0)
    assert report.spent_cents == report.spent_pay_cents + report.spent_bonus_cents + report.spent_adjustment_cents
    assert report.reserved_cents == report.reserved_leases_cents + report.reserved_bonus_cents
    assert report.committed_cents == report.spent_cents + report.reserved_cents
    assert report.remaining_cents == report.budget_cents - report.spent_cents - report.reserved_cents
    assert report.remaining_cents >= 0


def test_budget_for_100_annotations_hands_out_no_task_after_the_100th(make_project, make_rater):
    # Given a project that pays 5 cents per annotation with a budget of exactly 100 annotations
    project = make_project(regular=150, overlap=1, pay_per_annotation_cents=5, budget_cents=500)
    raters = [make_rater(project) for _ in range(3)]

    # When three raters keep leasing (all at once, then submitting) until they are refused
    paid, refusals = 0, {}
    while len(refusals) < len(raters):
        leases = []
        for rater in raters:
            if rater.pk in refusals:
                continue
            try:
                leases.append((rater, assignment_lease_next(project=project, rater=rater)))
            except ForbiddenError as exc:
                refusals[rater.pk] = exc.extra["code"]
        for rater, assignment in leases:
            submit_after(assignment, rater=rater, value="neutral", ms=4000)
            paid += 1
            assert paid <= 100

    # Then exactly 100 annotations were paid, the budget is spent to the cent, and every rater is refused
    assert paid == 100
    assert EarningsEntry.objects.filter(project=project, kind="annotation").count() == 100
    report = project_budget_report(project=project)
    assert report.spent_cents == 500 and report.exhausted
    assert set(refusals.values()) == {"budget_spent"}
    with pytest.raises(ForbiddenError) as exc:
        assignment_lease_next(project=project, rater=raters[0])
    assert exc.value.extra["code"] == "budget_spent"


def test_open_leases_count_against_the_budget(make_project, make_rater):
    project = make_project(regular=10, overlap=1, pay_per_annotation_cents=10, budget_cents=20)
    a, b, c = (make_rater(project) for _ in range(3))
    assert assignment_lease_next(project=project, rater=a) is not None
    assert assignment_lease_next(project=project, rater=b) is not None
    # Two leases reserve the whole budget: a third rater is refused, the holders still get their own lease back
    assert rater_task_refusal(project=project, user=c) == (
        "budget_spent",
        "This project's budget is spent; no new tasks are handed out.",
    )
    assert rater_task_refusal(project=project, user=a) is None


def test_gate_codes(make_project, make_rater, make_user):
    project = make_project(regular=1)
    other = make_project(regular=1)
    outsider = make_rater(other)
    unqualified = make_rater(project, qualified=False)
    assert rater_task_refusal(project=project, user=outsider)[0] == "not_a_member"
    assert rater_task_refusal(project=project, user=unqualified)[0] == "not_qualified"
    assert rater_task_refusal(project=project, user=make_rater(project)) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_raters_cannot_overspend_the_budget(make_project, make_rater):
    """Eight raters in eight threads race for a budget of 12 annotations; exactly 12 are paid."""
    import threading

    from django.db import connection

    project = make_project(regular=40, overlap=1, pay_per_annotation_cents=10, budget_cents=120)
    raters = [make_rater(project) for _ in range(8)]
    start = threading.Barrier(len(raters))
    errors: list[BaseException] = []

    def work(rater) -> None:
        try:
            start.wait()
            while True:
                try:
                    assignment = assignment_lease_next(project=project, rater=rater)
                except ForbiddenError as exc:
                    assert exc.extra["code"] == "budget_spent"
                    return
                if assignment is None:
                    return
                submit_after(assignment, rater=rater, value="neutral", ms=3000)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in raters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert not errors, errors
    assert EarningsEntry.objects.filter(project=project).count() == 12
    assert project_budget_report(project=project).spent_cents == 120


@pytest.mark.parametrize(("block", "budget"), [(10, 100), (2, 300)])
def test_gold_bonus_is_inside_the_budget_and_leasing_stops_when_the_next_task_may_not_fit(
    make_project, make_rater, rng, settings, block, budget
):
    # Given the outside case: pay 10, a gold bonus of 50, half the tasks gold; every third gold answer wrong
    settings.RATERS = {**settings.RATERS, "FEEDBACK_BLOCK": block}
    project = make_project(
        regular=40,
        gold=40,
        gold_ratio=0.5,
        pay_per_annotation_cents=10,
        gold_bonus_cents=50,
        gold_bonus_threshold=0.5,
        budget_cents=budget,
        pause_gold_accuracy_below=None,
    )
    rater = make_rater(project)
    answers: list[Answer] = []
    golds = 0

    # When the rater keeps asking for tasks until refused
    for _ in range(60):
        model = owed({rater.pk: answers}, pay=10, bonus=50, threshold=0.5, block=block)
        committed = model.pay_cents + model.bonus_cents + 50 * model.unsettled_golds
        fits = committed + 60 <= budget
        try:
            assignment = assignment_lease_next(project=project, rater=rater)
        except ForbiddenError as exc:
            # Then the refusal comes exactly when pay + a possible bonus no longer fits
            assert exc.extra["code"] == "budget_spent"
            assert not fits, (committed, budget)
            break
        assert fits, (committed, budget)
        golds += assignment.item.is_gold
        correct = golds % 3 != 0
        annotation = annotation_submit(
            assignment_id=assignment.pk, rater=rater, value=_answer(assignment, correct=correct), time_spent_ms=5000
        )
        answers.append(Answer(annotation.pk, assignment.item.is_gold, correct))

        # And after every task the ledger matches the pay rules and the report adds up, never below zero
        model = owed({rater.pk: answers}, pay=10, bonus=50, threshold=0.5, block=block)
        report = project_budget_report(project=project)
        _assert_adds_up(project, report)
        assert (report.spent_pay_cents, report.spent_bonus_cents) == (model.pay_cents, model.bonus_cents)
        assert report.reserved_bonus_cents == 50 * model.unsettled_golds
    else:
        pytest.fail("the budget never stopped the rater")

    report = project_budget_report(project=project)
    assert report.exhausted and report.spent_cents <= budget
    assert report.spent_bonus_cents + report.reserved_bonus_cents > 0  # a bonus was in play
    assert report.spent_cents + report.reserved_cents + report.next_task_cost_cents > budget
    assert len(answers) < budget // 10  # base pay alone would have allowed more: bonuses were counted


def test_a_rater_who_stops_mid_block_keeps_the_bonus_reserved_until_the_block_closes(
    make_project, make_rater, settings
):
    # Given blocks of 3 tasks, every task gold (gold is served only while regular work remains),
    # pay 10 and bonus 50, a budget of 110
    settings.RATERS = {**settings.RATERS, "FEEDBACK_BLOCK": 3}
    project = make_project(
        regular=5, gold=10, gold_ratio=1.0, pay_per_annotation_cents=10, gold_bonus_cents=50, budget_cents=110
    )
    a, b = make_rater(project), make_rater(project)

    # When rater a answers one gold item right and stops in the middle of the block
    first = assignment_lease_next(project=project, rater=a)
    annotation_submit(assignment_id=first.pk, rater=a, value=_answer(first, correct=True), time_spent_ms=5000)

    # Then the bonus a may still earn is reserved: 10 spent + 50 reserved + 60 for a new task > 110, so nobody
    # gets a task, although base pay alone (10 + 60) would fit
    report = project_budget_report(project=project)
    assert (report.spent_cents, report.reserved_bonus_cents, report.remaining_cents) == (10, 50, 50)
    for rater in (a, b):
        with pytest.raises(ForbiddenError) as exc:
            assignment_lease_next(project=project, rater=rater)
        assert exc.value.extra["code"] == "budget_spent"

    # And once staff raise the budget, a finishes the block and the reservation turns into the bonus paid
    project = project_update(project=project, budget_cents=400)
    for _ in range(2):
        task = assignment_lease_next(project=project, rater=a)
        annotation_submit(assignment_id=task.pk, rater=a, value=_answer(task, correct=True), time_spent_ms=5000)
    report = project_budget_report(project=project)
    assert (report.spent_pay_cents, report.spent_bonus_cents, report.reserved_cents) == (30, 150, 0)
    _assert_adds_up(project, report)


def test_a_project_without_budget_takes_no_lock_and_reads_no_money(make_project, make_rater):
    free = make_project(regular=2, pay_per_annotation_cents=10, gold_bonus_cents=50)
    budgeted = make_project(regular=2, pay_per_annotation_cents=10, gold_bonus_cents=50, budget_cents=1000)
    rater_free, rater_budgeted = make_rater(free), make_rater(budgeted)
    with transaction.atomic(), CaptureQueriesContext(connection) as free_queries:
        assert rater_task_refusal(project=free, user=rater_free) is None
    with transaction.atomic(), CaptureQueriesContext(connection) as budget_queries:
        assert rater_task_refusal(project=budgeted, user=rater_budgeted) is None
    free_sql = " ".join(q["sql"] for q in free_queries.captured_queries)
    budget_sql = " ".join(q["sql"] for q in budget_queries.captured_queries)
    assert "pg_advisory_xact_lock" not in free_sql and "raters_earningsentry" not in free_sql
    assert len(free_queries.captured_queries) == 1  # the membership row
    # With a budget: the lock and ONE statement for all the money (one snapshot)
    assert "pg_advisory_xact_lock" in budget_sql and budget_sql.count("raters_earningsentry") == 1
    assert len(budget_queries.captured_queries) == 3
    report = project_budget_report(project=free)
    assert report.remaining_cents is None and report.exhausted is False


def test_an_abandoned_lease_holds_its_reservation_only_until_it_expires(make_project, make_rater):
    # Given a budget for exactly one task (pay 10 + bonus 50), taken by a rater who walks away
    project = make_project(regular=5, pay_per_annotation_cents=10, gold_bonus_cents=50, budget_cents=60)
    walker, waiting = make_rater(project), make_rater(project)
    lease = assignment_lease_next(project=project, rater=walker)
    assert rater_task_refusal(project=project, user=waiting)[0] == "budget_spent"

    # When the lease runs out and beat reclaims it
    leases_reclaim_expired(now=lease.expires_at + timedelta(seconds=1))

    # Then the reservation is free again and the waiting rater gets the task
    assert project_budget_report(project=project).reserved_cents == 0
    assert assignment_lease_next(project=project, rater=waiting) is not None
