"""The beat task that closes pay periods whose end has passed: once each, even when two workers run it at once.

Each thread has its own database connection, so the two runs meet only at PostgreSQL's locks (the
period row, the project's period lock).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from raters.models import EarningsEntry, PayoutStatement, PayoutStatementEntry, PayPeriod, PeriodState
from raters.services.pay import pay_period_open, pay_policy_set
from raters.tasks import close_due_pay_periods
from tests.raters.pay_helpers import period_until_now, work

ROOT = Path(__file__).resolve().parents[2]


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_close_an_ended_period_once_and_leave_a_running_one_open(make_project, make_rater):
    # Given a project whose period has ended, with three raters under a floor (so top-ups are written too),
    # and a project whose period is still running
    ended_project = make_project(regular=20, pay_per_annotation_cents=5)
    pay_policy_set(project=ended_project, hourly_floor_cents=600)
    raters = [make_rater(ended_project) for _ in range(3)]
    for rater in raters:
        work(ended_project, rater, seconds=120)
    ended = period_until_now(ended_project)
    running_project = make_project(regular=5, pay_per_annotation_cents=5)
    worker = make_rater(running_project)
    work(running_project, worker, seconds=60)
    now = timezone.now()
    running = pay_period_open(
        project=running_project, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )

    # When two workers run the beat task at the same moment
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            counts.append(close_due_pay_periods.apply().get())
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    _run([threading.Thread(target=run) for _ in range(2)])

    # Then the ended period was closed by exactly one of them, with one statement per rater and each
    # ledger entry (pay and top-up) on exactly one statement
    assert not errors, errors
    assert sorted(counts) == [0, 1]
    ended.refresh_from_db()
    assert ended.state == PeriodState.CLOSED and ended.closed_by is None
    statements = PayoutStatement.objects.filter(period=ended)
    assert sorted(statements.values_list("user_id", flat=True)) == sorted(r.pk for r in raters)
    entries = EarningsEntry.objects.filter(project=ended_project)
    assert entries.filter(kind="floor_top_up").count() == 3  # 120 s at 6.00/h = 20 cents, 5 earned: 15 each
    assert PayoutStatementEntry.objects.filter(statement__period=ended).count() == entries.count()
    assert all(s.total_cents == 20 for s in statements)
    # And the running period is untouched
    running.refresh_from_db()
    assert running.state == PeriodState.OPEN and not running.statements.exists()
    # And a third run writes nothing
    assert close_due_pay_periods() == 0
    assert PayoutStatement.objects.filter(period=ended).count() == 3


@pytest.mark.django_db
def test_a_refused_close_stays_open_and_the_others_still_close(make_project, make_rater):
    # Given one project whose top-ups do not fit in its budget, and one that closes normally
    poor = make_project(regular=10, pay_per_annotation_cents=5, budget_cents=6)
    pay_policy_set(project=poor, hourly_floor_cents=600)
    work(poor, make_rater(poor), seconds=300)
    poor_period = period_until_now(poor)
    fine = make_project(regular=10, pay_per_annotation_cents=5)
    work(fine, make_rater(fine), seconds=60)
    fine_period = period_until_now(fine)
    # When the task runs
    closed = close_due_pay_periods()
    # Then the poor project's period is left open with nothing written, and the other one closed
    assert closed == 1
    assert PayPeriod.objects.get(pk=poor_period.pk).state == PeriodState.OPEN
    assert not PayoutStatement.objects.filter(period=poor_period).exists()
    assert PayPeriod.objects.get(pk=fine_period.pk).state == PeriodState.CLOSED


def test_the_beat_schedule_closes_due_periods_and_can_be_turned_off():
    entry = settings.CELERY_BEAT_SCHEDULE["close-due-pay-periods"]
    assert entry["task"] == close_due_pay_periods.name == "raters.tasks.close_due_pay_periods"
    assert entry["schedule"] == timedelta(seconds=900)
    probe = "from django.conf import settings; s = settings.CELERY_BEAT_SCHEDULE.get('close-due-pay-periods'); "
    probe += "print(s and s['schedule'].total_seconds())"
    for value, expected in (("0", "None"), ("3600", "3600.0")):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        env["RATERS_CLOSE_PAY_PERIODS_EVERY_SECONDS"] = value
        out = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {probe}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == expected
