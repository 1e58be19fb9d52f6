"""Closing a pay period while raters keep working, and two admins closing it at once.

Each thread has its own database connection, so closes, leases and submits really meet only at
PostgreSQL's locks: the period row, the budget's advisory lock (ADR 0009), the unique keys.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from config.exceptions import ConflictError, ForbiddenError
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from raters.models import EarningsEntry, EarningsKind, PayoutStatement, PayoutStatementEntry
from raters.selectors.budget import project_budget_report
from raters.services.pay import pay_period_close, pay_policy_set
from tests.raters.pay_helpers import period_until_now, work

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE_S = 120


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE_S)
    assert not any(t.is_alive() for t in threads), "a thread hung"


# No budget: the close always fits. 400: it fits unless the busy raters spend it first (either way the rules
# hold). 230: 60 spent + 240 of top-ups never fit, so both closes are refused.
@pytest.mark.parametrize("budget", [None, 400, 230])
def test_two_closes_race_raters_submitting_and_the_budget_holds(make_project, make_rater, staff, budget):
    # Given 6 raters who each worked 300 s for 10 cents in the period, a floor of 6.00/h (50 cents each, so
    # 240 cents of top-ups), and 4 more raters who keep leasing and submitting while two admins close it
    project = make_project(
        regular=200,
        overlap=1,
        pay_per_annotation_cents=10,
        budget_cents=budget,
        pause_fast_share_above=None,
        pause_gold_accuracy_below=None,
    )
    pay_policy_set(project=project, hourly_floor_cents=600)
    done_raters = [make_rater(project) for _ in range(6)]
    for rater in done_raters:
        work(project, rater, seconds=300)
    busy = [make_rater(project) for _ in range(4)]
    period = period_until_now(project)
    results: list = []
    refusals: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(busy) + 2 + 1)
    stop = threading.Event()

    def closer() -> None:
        try:
            start.wait()
            results.append(pay_period_close(period_id=period.pk, actor=staff))
        except ConflictError as exc:
            refusals.append(exc.extra["code"])
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def rater_work(rater) -> None:
        try:
            start.wait()
            while not stop.is_set():
                try:
                    lease = assignment_lease_next(project=project, rater=rater)
                except ForbiddenError as exc:
                    assert exc.extra["code"] == "budget_spent", exc.extra
                    time.sleep(0.02)
                    continue
                if lease is None:
                    return
                annotation_submit(assignment_id=lease.pk, rater=rater, value="neutral", time_spent_ms=999_999)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def watch() -> None:
        try:
            start.wait()
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                report = project_budget_report(project=project)
                if budget is not None:
                    assert report.committed_cents <= budget, report
                time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            stop.set()
            connection.close()

    threads = [threading.Thread(target=closer) for _ in range(2)]
    threads += [threading.Thread(target=rater_work, args=(r,)) for r in busy]
    threads.append(threading.Thread(target=watch))
    _run(threads)
    assert not errors, errors

    top_ups = EarningsEntry.objects.filter(kind=EarningsKind.FLOOR_TOP_UP)
    spent = project_budget_report(project=project).spent_cents
    if budget is not None:
        assert spent <= budget
    if budget == 230:
        assert refusals
    if refusals:
        # The top-ups did not fit: both closes refused, nothing written, the period stays open
        assert refusals == ["top_ups_exceed_budget"] * 2 and not results
        assert not top_ups.exists() and not PayoutStatement.objects.exists()
    else:
        # Exactly one close wrote; the other found it closed. One top-up of 40 cents per rater who worked
        assert sorted(r.already_closed for r in results) == [False, True]
        assert sorted(top_ups.values_list("user_id", "amount_cents")) == [(r.pk, 40) for r in done_raters]
        assert PayoutStatement.objects.count() == 6
        # Nothing the busy raters earned after the period's end was taken into it
        assert not PayoutStatementEntry.objects.filter(entry__user__in=busy).exists()
