"""Racing raters and staff against one budget: spend never passes it, and leasing stops exactly at its edge.

Each thread has its own database connection (Django opens one per thread), so leases, submits and
adjustments really run concurrently in PostgreSQL and meet only at its locks.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection
from django.db.models import Sum

from config.exceptions import ConflictError, ForbiddenError
from labeling.models import Assignment, AssignmentStatus
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from raters.models import EarningsEntry, EarningsKind
from raters.selectors.budget import project_budget_report
from raters.services.earnings import earnings_adjust
from raters.services.gate import rater_task_refusal
from tests.raters.budget_model import Answer, owed
from tests.raters.conftest import CATEGORIES

pytestmark = pytest.mark.django_db(transaction=True)

RATERS = 20
PAY, BONUS, THRESHOLD, BLOCK, BUDGET = 3, 5, 0.6, 4, 900
ACCURACY = [1.0, 0.8, 0.5, 0.2]  # rater i answers gold right with probability ACCURACY[i % 4]
DEADLINE_S = 240


def _answer(assignment, *, correct: bool) -> str:
    if not assignment.item.is_gold:
        return "neutral"
    gold = str(assignment.item.gold_value)
    return gold if correct else next(c for c in CATEGORIES if c != gold)


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE_S)
    assert not any(t.is_alive() for t in threads), "a thread hung"


def test_twenty_raters_and_a_staff_member_race_for_pay_and_gold_bonus(make_project, make_rater, staff, settings):
    # Given a project paying 3 per task and 5 per correct gold answer (settled per block of 4 tasks), gold mixed
    # in at 30 %, and 20 raters of mixed accuracy: many more items than the budget can pay for
    settings.RATERS = {**settings.RATERS, "FEEDBACK_BLOCK": BLOCK}
    project = make_project(
        regular=400,
        gold=60,
        gold_ratio=0.3,
        overlap=1,
        pay_per_annotation_cents=PAY,
        gold_bonus_cents=BONUS,
        gold_bonus_threshold=THRESHOLD,
        budget_cents=BUDGET,
        pause_gold_accuracy_below=None,
        pause_fast_share_above=None,
    )
    raters = [make_rater(project) for _ in range(RATERS)]
    answers: dict[int, list[Answer]] = {r.pk: [] for r in raters}
    adjustments: list[int] = []
    errors: list[BaseException] = []
    lowest_remaining: list[int] = []
    start = threading.Barrier(RATERS + 1)
    done = threading.Event()
    deadline = time.monotonic() + DEADLINE_S

    def rater_work(index: int, rater) -> None:
        luck = random.Random(index)  # noqa: S311 - test data
        try:
            start.wait()
            while time.monotonic() < deadline:
                try:
                    assignment = assignment_lease_next(project=project, rater=rater)
                except ForbiddenError as exc:
                    assert exc.extra["code"] == "budget_spent", exc.extra
                    # Stop only in a state nothing can change: refused, and no lease left open anywhere (a
                    # finishing lease may free its unused bonus reservation, so try again until then).
                    report = project_budget_report(project=project)
                    if report.open_leases == 0 and report.exhausted:
                        return
                    time.sleep(0.02)
                    continue
                assert assignment is not None, "items ran out before the budget"
                correct = luck.random() < ACCURACY[index % 4]
                annotation = annotation_submit(
                    assignment_id=assignment.pk,
                    rater=rater,
                    value=_answer(assignment, correct=correct),
                    time_spent_ms=3000,
                )
                answers[rater.pk].append(Answer(annotation.pk, assignment.item.is_gold, correct))
            raise AssertionError("deadline passed")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def staff_work() -> None:
        """A careless admin adding small positive corrections all through the race."""
        try:
            for _ in range(12):
                if done.is_set():
                    return
                try:
                    entry = earnings_adjust(
                        project=project, user=raters[0], amount_cents=7, note="Goodwill", created_by=staff
                    )
                    adjustments.append(entry.amount_cents)
                except ConflictError as exc:
                    assert exc.extra["code"] == "budget_exceeded", exc.extra
                time.sleep(0.3)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def monitor() -> None:
        """Reads the report (one snapshot) over and over: it must never show money beyond the budget."""
        try:
            start.wait()
            while not done.is_set():
                report = project_budget_report(project=project)
                lowest_remaining.append(report.remaining_cents)
                assert report.spent_cents + report.reserved_cents <= BUDGET, report
                time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    # When they all lease and submit at once while staff adjust and a monitor watches
    workers = [threading.Thread(target=rater_work, args=(i, r)) for i, r in enumerate(raters)]
    watchers = [threading.Thread(target=monitor), threading.Thread(target=staff_work)]
    for t in watchers:
        t.start()
    _run(workers)
    done.set()
    for t in watchers:
        t.join(timeout=30)

    # Then nothing failed, the monitor never saw a negative remaining, and no lease is left open
    assert not errors, errors
    assert lowest_remaining and min(lowest_remaining) >= 0
    assert not Assignment.objects.filter(project=project, status=AssignmentStatus.LEASED).exists()

    # And the ledger holds exactly pay + bonuses owed by the rules, counted from what the raters did
    model = owed(answers, pay=PAY, bonus=BONUS, threshold=THRESHOLD, block=BLOCK)
    ledger = EarningsEntry.objects.filter(project=project)
    by_kind = dict(ledger.values("kind").annotate(s=Sum("amount_cents")).values_list("kind", "s"))
    tasks = sum(len(a) for a in answers.values())
    assert ledger.filter(kind=EarningsKind.ANNOTATION).count() == tasks
    assert by_kind.get(EarningsKind.ANNOTATION, 0) == model.pay_cents == PAY * tasks
    assert by_kind.get(EarningsKind.GOLD_BONUS, 0) == model.bonus_cents
    assert by_kind.get(EarningsKind.ADJUSTMENT, 0) == sum(adjustments)
    assert ledger.aggregate(s=Sum("amount_cents"))["s"] == model.pay_cents + model.bonus_cents + sum(adjustments)
    # Bonuses were really in play: the accurate quarter closes about 10 blocks with ~1.2 gold each, so no
    # bonus at all has a chance below 0.7**40 (about 6e-7).
    assert model.bonus_cents > 0

    # And leasing stopped exactly at the edge: the next task (pay + possible bonus) does not fit, all else does
    report = project_budget_report(project=project)
    spent, reserved = report.spent_cents, report.reserved_cents
    assert reserved == BONUS * model.unsettled_golds
    assert spent + reserved <= BUDGET < spent + reserved + PAY + BONUS
    assert report.remaining_cents == BUDGET - spent - reserved >= 0
    assert {rater_task_refusal(project=project, user=r) for r in raters} == {
        ("budget_spent", "This project's budget is spent; no new tasks are handed out.")
    }


def test_concurrent_adjustments_cannot_overspend(make_project, make_rater, staff):
    """Ten positive adjustments of 100 race for a budget of 450 with one open lease reserving 10: four fit."""
    project = make_project(regular=5, pay_per_annotation_cents=10, budget_cents=450)
    rater = make_rater(project)
    assert assignment_lease_next(project=project, rater=rater) is not None
    start = threading.Barrier(10)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def adjust() -> None:
        try:
            start.wait()
            earnings_adjust(project=project, user=rater, amount_cents=100, note="Bonus round", created_by=staff)
            outcomes.append("stored")
        except ConflictError as exc:
            outcomes.append(exc.extra["code"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    _run([threading.Thread(target=adjust) for _ in range(10)])

    assert not errors, errors
    assert sorted(outcomes) == ["budget_exceeded"] * 6 + ["stored"] * 4
    report = project_budget_report(project=project)
    assert (report.spent_adjustment_cents, report.reserved_cents, report.remaining_cents) == (400, 10, 40)
