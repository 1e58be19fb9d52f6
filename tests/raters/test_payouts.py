"""Payout exports read back against the ledger (Prolific and MTurk), through the service, the API and the CLI."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from config.exceptions import ApplicationError, ConflictError
from raters.models import EarningsEntry, PayoutStatement, PayPeriod, PeriodState
from raters.services.earnings import earnings_adjust
from raters.services.pay import pay_period_close, pay_period_open, pay_policy_set, payout_account_set
from raters.services.payouts import payout_export
from tests.raters.pay_helpers import period_until_now, work

pytestmark = pytest.mark.django_db

PROLIFIC_IDS = ["5f1a2b3c4d5e6f7a8b9c0d1e", "60aa2b3c4d5e6f7a8b9c0d99", "6123456789abcdef01234567"]
MTURK = [("A1B2C3D4E5F6G7", "3ABCDEFGHIJKLMNOPQRSTUVWXYZ012"), ("A9Z8Y7X6W5V4U3", "3ZYXWVUTSRQPONMLKJIHGFEDCBA987")]


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def closed(make_project, make_rater, staff):
    """Three raters with different work, a floor of 6.00/h, and a closed period."""
    project = make_project(regular=30, pay_per_annotation_cents=7)
    pay_policy_set(project=project, currency="USD", hourly_floor_cents=600)
    raters = [make_rater(project, name=f"r{i}") for i in range(3)]
    for i, rater in enumerate(raters):
        for seconds in [20, 45, 130][: i + 1]:
            work(project, rater, seconds=seconds + i * 7)
    earnings_adjust(project=project, user=raters[0], amount_cents=13, note="bonus for a good flag", created_by=staff)
    period = period_until_now(project)
    pay_period_close(period_id=period.pk, actor=staff)
    return project, raters, period


def _ledger_cents(period) -> int:
    return int(
        EarningsEntry.objects.filter(statement_line__statement__period=period).aggregate(t=Sum("amount_cents"))["t"]
    )


def test_prolific_export_reads_back_to_the_ledger_sum(closed, staff):
    project, raters, period = closed
    for rater, pid in zip(raters, PROLIFIC_IDS, strict=True):
        payout_account_set(project=project, user=rater, platform="prolific", participant_id=pid)
    file = payout_export(period_id=period.pk, file_format="prolific", actor=staff)
    rows = list(csv.reader(io.StringIO(file.content)))
    # participant_id,amount lines, no header; amounts are decimals with two places
    assert {r[0] for r in rows} == set(PROLIFIC_IDS) and all(len(r) == 2 for r in rows)
    assert all(Decimal(r[1]).as_tuple().exponent == -2 for r in rows)
    assert sum(Decimal(r[1]) for r in rows) * 100 == _ledger_cents(period) == file.total_cents
    by_id = {r[0]: Decimal(r[1]) for r in rows}
    for rater, pid in zip(raters, PROLIFIC_IDS, strict=True):
        statement = PayoutStatement.objects.get(period=period, user=rater)
        ledger = EarningsEntry.objects.filter(statement_line__statement=statement).aggregate(t=Sum("amount_cents"))["t"]
        assert by_id[pid] * 100 == statement.total_cents == ledger
    period.refresh_from_db()
    assert period.state == PeriodState.EXPORTED and period.export_format == "prolific"


def test_mturk_export_reads_back_to_the_ledger_sum(closed, staff):
    project, raters, period = closed
    for rater, (worker, assignment) in zip(raters[:2], MTURK, strict=True):
        payout_account_set(
            project=project, user=rater, platform="mturk", participant_id=worker, assignment_id=assignment
        )
    # The third rater has no MTurk id: the export is refused, naming them, and nothing is marked
    with pytest.raises(ConflictError) as missing:
        payout_export(period_id=period.pk, file_format="mturk", actor=staff)
    assert missing.value.extra == {"code": "missing_payout_account", "user_ids": [raters[2].pk]}
    assert PayPeriod.objects.get(pk=period.pk).state == PeriodState.CLOSED
    payout_account_set(
        project=project, user=raters[2], platform="mturk", participant_id="A5K5K5K5K5K5K5", assignment_id="3" * 30
    )
    file = payout_export(period_id=period.pk, file_format="mturk", actor=staff)
    rows = list(csv.DictReader(io.StringIO(file.content)))
    assert list(rows[0]) == ["WorkerId", "AssignmentId", "BonusAmount", "Reason"]
    assert sum(Decimal(r["BonusAmount"]) for r in rows) * 100 == _ledger_cents(period)
    assert {r["WorkerId"] for r in rows} == {MTURK[0][0], MTURK[1][0], "A5K5K5K5K5K5K5"}
    assert all(project.name in r["Reason"] for r in rows)


def test_platform_ids_are_validated(closed):
    project, raters, _ = closed
    for platform, pid, aid in [
        ("prolific", "not-an-id", ""),
        ("mturk", "a1b2c3", "3" * 30),
        ("mturk", "A1B2C3D4E5F6G7", "x"),
    ]:
        with pytest.raises(ApplicationError) as bad:
            payout_account_set(
                project=project, user=raters[0], platform=platform, participant_id=pid, assignment_id=aid
            )
        assert bad.value.extra["code"] == "invalid_platform_id"
    payout_account_set(project=project, user=raters[0], platform="prolific", participant_id=PROLIFIC_IDS[0])
    with pytest.raises(ConflictError) as taken:
        payout_account_set(project=project, user=raters[1], platform="prolific", participant_id=PROLIFIC_IDS[0])
    assert taken.value.extra["code"] == "platform_id_taken"


def test_exporting_an_open_period_is_refused_and_stores_nothing(make_project, make_rater, staff, tmp_path):
    project = make_project(regular=5, pay_per_annotation_cents=7)
    rater = make_rater(project)
    work(project, rater, seconds=30)
    period = period_until_now(project)
    with pytest.raises(ConflictError) as refused:
        payout_export(period_id=period.pk, file_format="prolific", actor=staff)
    assert refused.value.extra["code"] == "period_open"
    response = _client(staff).post(
        f"/api/raters/pay-periods/{period.pk}/export/", {"format": "prolific"}, format="json"
    )
    assert response.status_code == 409 and response.json()["extra"]["code"] == "period_open"
    out = tmp_path / "bonus.csv"
    with pytest.raises(CommandError, match="period_open"):
        call_command("payout_export", str(period.pk), "--format", "prolific", "--output", str(out))
    assert not out.exists()
    period.refresh_from_db()
    assert period.state == PeriodState.OPEN and period.exported_at is None and not PayoutStatement.objects.exists()


def test_a_careless_admin_exporting_twice_is_stopped_and_again_gets_the_same_file(closed, staff, tmp_path):
    project, raters, period = closed
    for rater, pid in zip(raters, PROLIFIC_IDS, strict=True):
        payout_account_set(project=project, user=rater, platform="prolific", participant_id=pid)
    out = tmp_path / "bonus.csv"
    call_command("payout_export", str(period.pk), "--format", "prolific", "--output", str(out))
    first = out.read_text()
    with pytest.raises(CommandError, match="already_exported"):
        call_command("payout_export", str(period.pk), "--format", "prolific", "--output", str(out))
    call_command("payout_export", str(period.pk), "--format", "prolific", "--output", str(out), "--again")
    assert out.read_text() == first
    # Nor can the same period be paid a second time through the other platform
    with pytest.raises(ConflictError) as other:
        payout_export(period_id=period.pk, file_format="mturk", actor=staff, again=True)
    assert other.value.extra["code"] == "exported_in_other_format"
    assert sum(Decimal(line.split(",")[1]) for line in first.splitlines()) * 100 == _ledger_cents(period)


def test_a_correction_after_export_is_a_new_entry_in_the_next_period(closed, staff):
    # Given an exported period
    project, raters, period = closed
    for rater, pid in zip(raters, PROLIFIC_IDS, strict=True):
        payout_account_set(project=project, user=rater, platform="prolific", participant_id=pid)
    payout_export(period_id=period.pk, file_format="prolific", actor=staff)
    before = {s.pk: (s.total_cents, s.entry_count) for s in PayoutStatement.objects.filter(period=period)}
    # When staff correct a rater's pay
    fix = earnings_adjust(project=project, user=raters[1], amount_cents=50, note="missed task", created_by=staff)
    # Then the exported statements are unchanged, and the correction is paid by the next period
    assert {s.pk: (s.total_cents, s.entry_count) for s in PayoutStatement.objects.filter(period=period)} == before
    nxt = pay_period_open(project=project, starts_at=period.ends_at, ends_at=timezone.now())
    pay_period_close(period_id=nxt.pk, actor=staff)
    statement = PayoutStatement.objects.get(period=nxt, user=raters[1])
    assert statement.lines.get().entry == fix and statement.total_cents == 50


def test_a_rater_reads_only_their_own_statements(closed, staff):
    project, raters, period = closed
    mine = PayoutStatement.objects.get(period=period, user=raters[0])
    theirs = PayoutStatement.objects.get(period=period, user=raters[1])
    client = _client(raters[0])
    own = client.get(f"/api/raters/me/statements/{mine.pk}/")
    assert own.status_code == 200 and own.json()["total_cents"] == mine.total_cents
    assert sum(e["amount_cents"] for e in own.json()["entries"]) == mine.total_cents
    assert client.get(f"/api/raters/me/statements/{theirs.pk}/").status_code == 404
    listing = client.get("/api/raters/me/pay/").json()
    assert [s["id"] for s in listing["statements"]] == [mine.pk]
    assert listing["projects"][0]["hourly"] is not None
    # Staff endpoints refuse a rater: the project's pay, the statements, close and export
    for call in (
        lambda: client.get(f"/api/raters/projects/{project.pk}/pay/"),
        lambda: client.get(f"/api/raters/pay-periods/{period.pk}/statements/"),
        lambda: client.post(f"/api/raters/pay-periods/{period.pk}/close/"),
        lambda: client.post(f"/api/raters/pay-periods/{period.pk}/export/", {"format": "mturk"}, format="json"),
        lambda: client.put(
            f"/api/raters/projects/{project.pk}/pay/accounts/",
            {"user": raters[0].pk, "platform": "prolific", "participant_id": PROLIFIC_IDS[0]},
            format="json",
        ),
    ):
        response = call()
        assert response.status_code == 403 and response.json()["extra"]["code"] == "not_manager"


def test_staff_run_a_period_over_the_api(make_project, make_rater, staff):
    project = make_project(regular=10, pay_per_annotation_cents=5)
    rater = make_rater(project)
    client = _client(staff)
    assert (
        client.put(
            f"/api/raters/projects/{project.pk}/pay/policy/", {"hourly_floor_cents": 0}, format="json"
        ).status_code
        == 400
    )
    policy = client.put(
        f"/api/raters/projects/{project.pk}/pay/policy/", {"hourly_floor_cents": 900, "currency": "GBP"}, format="json"
    )
    assert policy.json() == {"currency": "GBP", "hourly_floor_cents": 900}
    work(project, rater, seconds=240)
    end = timezone.now()
    created = client.post(
        f"/api/raters/projects/{project.pk}/pay/periods/",
        {"starts_at": (end.replace(hour=0, minute=0)).isoformat(), "ends_at": end.isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.json()
    closed = client.post(f"/api/raters/pay-periods/{created.json()['id']}/close/").json()
    # 240 s at 9.00/h = 60 cents; 5 earned, 55 topped up
    assert closed["state"] == "closed" and closed["top_up_cents"] == 55
    account = client.put(
        f"/api/raters/projects/{project.pk}/pay/accounts/",
        {"user": rater.pk, "platform": "prolific", "participant_id": PROLIFIC_IDS[0]},
        format="json",
    )
    assert account.status_code == 200
    exported = client.post(
        f"/api/raters/pay-periods/{created.json()['id']}/export/", {"format": "prolific"}, format="json"
    )
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert exported.content.decode() == f"{PROLIFIC_IDS[0]},0.60\n"
    pay = client.get(f"/api/raters/projects/{project.pk}/pay/").json()
    assert pay["median_hourly"] == "9.00" and pay["hourly_floor"] == "9.00" and pay["currency"] == "GBP"
