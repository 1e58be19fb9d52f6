"""The task gate: membership, pause, qualification and budget."""

from __future__ import annotations

import pytest

from config.exceptions import ForbiddenError
from labeling.services.assignment import assignment_lease_next
from raters.models import EarningsEntry
from raters.selectors.budget import project_budget_report
from raters.services.gate import rater_task_refusal
from tests.clock import submit_after

pytestmark = pytest.mark.django_db


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
