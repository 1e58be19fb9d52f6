"""Pay policy, payout accounts and pay periods: the only write paths of PayPolicy, PayoutAccount,
PayoutAccountChange, PayPeriod, PayoutStatement and PayoutStatementEntry (docs/adr/0025-pay-per-hour-and-payouts.md).

Closing a period is all or nothing: under the period's row lock, every unpaid ledger entry of the project
created before the period's end goes into one statement per rater, the hourly floor is topped up through
the earnings ledger inside the budget, and the period becomes closed. Closing again returns the closed
period and writes nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, NotFoundError
from labeling.models import Project, ProjectMembership
from raters.models import (
    AccountChangeSource,
    EarningsEntry,
    PayoutAccount,
    PayoutAccountChange,
    PayoutStatement,
    PayoutStatementEntry,
    PayPeriod,
    PayPolicy,
    PeriodState,
    Platform,
)
from raters.models.pay import CURRENCIES
from raters.selectors.pay import floor_top_up_cents, pay_policy_for, worked_time
from raters.selectors.payouts import payout_account_exported
from raters.services.earnings import earnings_record_floor_top_ups

logger = logging.getLogger(__name__)

MAX_FLOOR_CENTS = 100_000  # 1,000 a hour: far above any real floor; mirrors pay_policy_floor_bounded
MAX_PERIOD_DAYS = 93
PERIOD_LOCK_NAMESPACE = 6_007  # pg advisory lock key space for "pay periods of project N"
PLATFORM_ID_LOCK_NAMESPACE = 6_008  # ... for "whoever claims this platform id"

ID_FORMATS = {
    # Prolific participant ids are 24 lowercase hex characters; MTurk ids are uppercase alphanumerics.
    (Platform.PROLIFIC, "participant_id"): re.compile(r"[0-9a-f]{24}"),
    (Platform.MTURK, "participant_id"): re.compile(r"A[A-Z0-9]{9,20}"),
    (Platform.MTURK, "assignment_id"): re.compile(r"[A-Z0-9]{20,40}"),
}


@transaction.atomic
def pay_policy_set(*, project: Project, currency: str | None = None, hourly_floor_cents=...) -> PayPolicy:
    """Set the project's currency and/or floor per hour (None removes the floor). Applies at the next close."""
    policy = PayPolicy.objects.select_for_update().filter(project=project).first()
    if policy is None:
        PayPolicy.objects.bulk_create([PayPolicy(project=project)], ignore_conflicts=True)
        policy = PayPolicy.objects.select_for_update().get(project=project)
    if currency is not None:
        if not isinstance(currency, str) or currency.upper() not in CURRENCIES:
            raise ApplicationError(
                f"The currency must be one of {', '.join(CURRENCIES)}.",
                extra={"code": "invalid_currency", "allowed": list(CURRENCIES)},
            )
        if currency.upper() != policy.currency and EarningsEntry.objects.filter(project=project).exists():
            raise ConflictError(
                "The project has already paid in its currency; it cannot change.", extra={"code": "currency_locked"}
            )
        policy.currency = currency.upper()
    if hourly_floor_cents is not ...:
        if hourly_floor_cents is not None and (
            isinstance(hourly_floor_cents, bool)
            or not isinstance(hourly_floor_cents, int)
            or not 0 < hourly_floor_cents <= MAX_FLOOR_CENTS
        ):
            raise ApplicationError(
                f"The floor per hour is a whole number of cents from 1 to {MAX_FLOOR_CENTS}, or null for none.",
                extra={"code": "invalid_floor", "max_cents": MAX_FLOOR_CENTS},
            )
        policy.hourly_floor_cents = hourly_floor_cents
    policy.save()
    return policy


def _platform_id_lock(platform: str, participant_id: str) -> None:
    # Two raters claiming one id meet here, whatever project they claim it on: the unique key is per project.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [PLATFORM_ID_LOCK_NAMESPACE, f"{platform}:{participant_id}"],
        )


@transaction.atomic
def payout_account_set(
    *, project: Project, user, platform: str, participant_id: str, assignment_id: str = "", actor=None
) -> PayoutAccount:
    """Record where a rater of the project is paid, by staff or by the rater themself (`actor` is who asked).

    Formats are checked; one platform id belongs to one rater across every project (409 `platform_id_taken`,
    never saying whose); once a payout to the account was exported it cannot change (409
    `payout_account_locked`), so a rater cannot move money already paid, and `again` gives the same file.
    Every change is appended to PayoutAccountChange. Locks: the id's advisory lock, then the account row
    (payout_export locks the project's accounts, so a change and an export never cross).
    """
    if platform not in Platform.values:
        raise ApplicationError("Unknown platform.", extra={"code": "invalid_platform", "allowed": Platform.values})
    if not ProjectMembership.objects.filter(project=project, user=user).exists():
        raise NotFoundError("This user has never worked on this project.", extra={"code": "not_a_member"})
    values = {"participant_id": (participant_id or "").strip(), "assignment_id": (assignment_id or "").strip()}
    if platform == Platform.PROLIFIC:
        values["assignment_id"] = ""
    for field, value in values.items():
        pattern = ID_FORMATS.get((platform, field))
        if pattern is not None and not pattern.fullmatch(value):
            raise ApplicationError(
                f"{value[:80]!r} is not a valid {Platform(platform).label} {field.replace('_', ' ')}.",
                extra={"code": "invalid_platform_id", "field": field, "platform": platform},
            )
    _platform_id_lock(platform, values["participant_id"])
    taken = PayoutAccount.objects.filter(platform=platform, participant_id=values["participant_id"])
    if taken.exclude(user=user).exists():
        raise ConflictError("That id is already another rater's.", extra={"code": "platform_id_taken"})
    account = PayoutAccount.objects.select_for_update().filter(project=project, user=user).first()
    old = ("", "", "") if account is None else (account.platform, account.participant_id, account.assignment_id)
    new = (platform, values["participant_id"], values["assignment_id"])
    if old == new:
        return account
    if account is not None and payout_account_exported(account=account):
        raise ConflictError(
            "A payout to this account was already exported, so it can no longer change.",
            extra={"code": "payout_account_locked"},
        )
    if account is None:
        account = PayoutAccount(project=project, user=user)
    account.platform, account.participant_id, account.assignment_id = new
    account.save()
    PayoutAccountChange.objects.create(
        project=project,
        user=user,
        changed_by=actor,
        source=AccountChangeSource.RATER if actor is not None and actor.pk == user.pk else AccountChangeSource.STAFF,
        old_platform=old[0],
        old_participant_id=old[1],
        old_assignment_id=old[2],
        new_platform=new[0],
        new_participant_id=new[1],
        new_assignment_id=new[2],
    )
    return account


def _period_lock(project: Project) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PERIOD_LOCK_NAMESPACE, project.pk])


@transaction.atomic
def pay_period_open(*, project: Project, starts_at: datetime, ends_at: datetime) -> PayPeriod:
    """A new pay period of the project. Periods never overlap (checked under the project's period lock)."""
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime) or timezone.is_naive(starts_at):
        raise ApplicationError("starts_at and ends_at are times with a time zone.", extra={"code": "invalid_period"})
    if ends_at <= starts_at:
        raise ApplicationError("A period ends after it starts.", extra={"code": "invalid_period"})
    if ends_at - starts_at > timedelta(days=MAX_PERIOD_DAYS):
        raise ApplicationError(f"A period is at most {MAX_PERIOD_DAYS} days long.", extra={"code": "period_too_long"})
    _period_lock(project)
    clash = PayPeriod.objects.filter(project=project, starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if clash is not None:
        raise ConflictError(
            "This period overlaps another pay period of the project.",
            extra={"code": "period_overlaps", "period_id": clash.pk},
        )
    return PayPeriod.objects.create(project=project, starts_at=starts_at, ends_at=ends_at)


@dataclass(frozen=True)
class CloseResult:
    period: PayPeriod
    already_closed: bool
    statements: int
    top_up_cents: int


def _locked_period(period_id: int) -> PayPeriod:
    # Only the period row: locking the project row too would block every lease's foreign-key check while
    # this transaction waits for the budget lock that lease holds (a deadlock).
    period = PayPeriod.objects.select_for_update(of=("self",)).select_related("project").filter(pk=period_id).first()
    if period is None:
        raise NotFoundError("No such pay period.", extra={"code": "period_not_found"})
    return period


@transaction.atomic
def pay_period_close(*, period_id: int, actor, now: datetime | None = None) -> CloseResult:
    """Close a period into payout statements, topping pay up to the project's floor. Idempotent.

    Locks: the period row (a second close waits, then finds it closed), then the budget lock inside
    earnings_record_floor_top_ups. Entries already on a statement are never taken again.
    """
    now = now or timezone.now()
    period = _locked_period(period_id)
    if period.state != PeriodState.OPEN:
        return CloseResult(period=period, already_closed=True, statements=period.statements.count(), top_up_cents=0)
    if period.ends_at > now:
        raise ConflictError(
            "This pay period has not ended yet.", extra={"code": "period_not_ended", "ends_at": period.ends_at}
        )
    project = period.project
    _period_lock(project)  # two periods of one project never close at once, so no entry is taken twice
    earlier = PayPeriod.objects.filter(project=project, state=PeriodState.OPEN, starts_at__lt=period.starts_at)
    if earlier.exists():
        raise ConflictError(
            "An earlier pay period of this project is still open: close it first.",
            extra={"code": "earlier_period_open", "period_id": earlier.order_by("starts_at").first().pk},
        )
    policy = pay_policy_for(project=project)
    # One read: the entries summed are exactly the entries linked. One committed later waits for the next period.
    unpaid = list(
        EarningsEntry.objects.filter(
            project=project, created_at__lt=period.ends_at, statement_line__isnull=True
        ).values_list("id", "user_id", "amount_cents")
    )
    earned: dict[int, int] = {}
    for _, user_id, cents in unpaid:
        earned[user_id] = earned.get(user_id, 0) + cents
    time = worked_time(project=project, since=period.starts_at, until=period.ends_at)
    floor = policy.hourly_floor_cents
    top_ups: dict[int, int] = {}
    if floor:
        for user_id, worked in time.items():
            top_ups[user_id] = floor_top_up_cents(
                floor_cents=floor, worked_ms=worked.worked_ms, earned_cents=earned.get(user_id, 0)
            )
    note = f"Hourly floor {floor} cents, period {period.starts_at:%Y-%m-%d} to {period.ends_at:%Y-%m-%d}"
    top_up_entries = earnings_record_floor_top_ups(period=period, top_ups=top_ups, note=note)
    added = {entry.user_id: entry.amount_cents for entry in top_up_entries}

    statements = []
    for user_id in sorted(set(earned) | set(added)):
        total = earned.get(user_id, 0) + added.get(user_id, 0)
        if total < 0:  # a net claw-back with no floor: the entries stay unpaid and carry into the next period
            continue
        worked = time.get(user_id)
        statements.append(
            PayoutStatement(
                period=period,
                user_id=user_id,
                currency=policy.currency,
                total_cents=total,
                earned_cents=earned.get(user_id, 0),
                topup_cents=added.get(user_id, 0),
                worked_ms=worked.worked_ms if worked else 0,
                tasks=worked.tasks if worked else 0,
                entry_count=0,
            )
        )
    by_user = {s.user_id: s for s in statements}
    entry_ids: dict[int, list[int]] = {u: [] for u in by_user}
    for entry_id, user_id, _ in unpaid:
        if user_id in entry_ids:
            entry_ids[user_id].append(entry_id)
    for entry in top_up_entries:
        entry_ids[entry.user_id].append(entry.pk)
    for user_id, statement in by_user.items():
        statement.entry_count = len(entry_ids[user_id])
    PayoutStatement.objects.bulk_create(statements)
    PayoutStatementEntry.objects.bulk_create(
        [PayoutStatementEntry(statement=by_user[u], entry_id=e) for u, ids in entry_ids.items() for e in ids]
    )
    period.state = PeriodState.CLOSED
    period.closed_at = now
    period.closed_by = actor
    period.currency = policy.currency
    period.hourly_floor_cents = floor
    period.save(update_fields=["state", "closed_at", "closed_by", "currency", "hourly_floor_cents"])
    return CloseResult(
        period=period, already_closed=False, statements=len(statements), top_up_cents=sum(added.values())
    )


def pay_periods_close_due(*, now: datetime | None = None) -> list[CloseResult]:
    """Close every open period whose end has passed (the beat task), earliest first within each project.

    Not one transaction: each close is its own (pay_period_close), so a refused one (a budget too small for
    the top-ups) leaves it open, logged, and the others still close; a later period of that project then
    waits behind it (`earlier_period_open`). Two runs at once meet at each period's row lock: one writes the
    statements, the other finds the period closed and writes nothing. A period still running is never taken.
    """
    now = now or timezone.now()
    due = PayPeriod.objects.filter(state=PeriodState.OPEN, ends_at__lte=now).order_by("project_id", "starts_at")
    closed: list[CloseResult] = []
    for period_id in list(due.values_list("pk", flat=True)):
        try:
            result = pay_period_close(period_id=period_id, actor=None, now=now)
        except ApplicationError as exc:
            logger.warning("pay period %s not closed: %s (%s)", period_id, exc.message, exc.extra.get("code"))
            continue
        if not result.already_closed:
            closed.append(result)
    return closed


@transaction.atomic
def pay_period_mark_exported(*, period_id: int, actor, file_format: str, again: bool = False) -> PayPeriod:
    """Mark a closed period exported (its statements were immutable from the start; now they are paid out).

    An open period cannot be exported; an exported one only again on purpose (`again`), and the file is
    then the same, since statements never change.
    """
    period = _locked_period(period_id)
    if period.state == PeriodState.OPEN:
        raise ConflictError("This pay period is still open: close it before exporting.", extra={"code": "period_open"})
    if period.state == PeriodState.EXPORTED:
        if not again:
            raise ConflictError(
                f"This pay period was exported on {period.exported_at:%Y-%m-%d %H:%M} UTC "
                f"as {period.export_format}; uploading it twice would pay twice. Ask again on purpose to "
                "download the same file.",
                extra={"code": "already_exported", "exported_at": period.exported_at},
            )
        if file_format != period.export_format:
            raise ConflictError(
                f"This pay period was paid out through {period.export_format}; a {file_format} file would pay twice.",
                extra={"code": "exported_in_other_format", "export_format": period.export_format},
            )
        return period
    period.state = PeriodState.EXPORTED
    period.exported_at = timezone.now()
    period.exported_by = actor
    period.export_format = file_format
    period.save(update_fields=["state", "exported_at", "exported_by", "export_format"])
    return period
