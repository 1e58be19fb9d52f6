"""Payout statements and the bulk-bonus files built from them (Prolific and MTurk).

Amounts: a statement's total is whole cents, so a line's amount is cents / 100 written with two decimals,
exact; the lines of a file add up to the statements' totals, which add up to their ledger entries.
Statements of zero are left out (no platform pays a bonus of 0.00).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from config.exceptions import ConflictError
from config.input_guard import csv_cell_safe
from raters.models import PayoutAccount, PayoutStatement, PayPeriod, Platform

FORMATS = {"prolific": Platform.PROLIFIC, "mturk": Platform.MTURK}
PROLIFIC_HEADER = None  # Prolific's bulk bonus box takes bare "participant_id,amount" lines
MTURK_HEADER = ["WorkerId", "AssignmentId", "BonusAmount", "Reason"]


def amount_text(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def period_statements(*, period: PayPeriod) -> QuerySet[PayoutStatement]:
    return period.statements.select_related("user__rater_profile").order_by("user_id")


def rater_statements(*, user) -> QuerySet[PayoutStatement]:
    """A rater's own statements, newest first. Nobody else's are ever in it."""
    return (
        PayoutStatement.objects.filter(user=user).select_related("period__project").order_by("-period__ends_at", "-id")
    )


@dataclass(frozen=True)
class PayoutFile:
    filename: str
    content: str
    lines: int
    total_cents: int
    currency: str


def payout_file(*, period: PayPeriod, file_format: str) -> PayoutFile:
    """The bulk-bonus CSV of a closed period. Refuses (409) when a payable rater has no id on that platform."""
    platform = FORMATS[file_format]
    if platform == Platform.MTURK and period.currency != "USD":
        raise ConflictError(
            f"MTurk pays bonuses in USD; this project pays in {period.currency}.",
            extra={"code": "currency_not_supported"},
        )
    statements = [s for s in period_statements(period=period) if s.total_cents > 0]
    accounts = {
        a.user_id: a
        for a in PayoutAccount.objects.filter(
            project_id=period.project_id, platform=platform, user_id__in=[s.user_id for s in statements]
        )
    }
    missing = [
        s
        for s in statements
        if s.user_id not in accounts or (platform == Platform.MTURK and not accounts[s.user_id].assignment_id)
    ]
    if missing:
        raise ConflictError(
            f"{len(missing)} rater(s) to pay have no {platform.label} id on this project.",
            extra={"code": "missing_payout_account", "user_ids": [s.user_id for s in missing]},
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    reason = csv_cell_safe(f"{period.project.name}: pay {period.starts_at:%Y-%m-%d} to {period.ends_at:%Y-%m-%d}"[:250])
    if platform == Platform.MTURK:
        writer.writerow(MTURK_HEADER)
    for s in statements:
        account = accounts[s.user_id]
        if platform == Platform.PROLIFIC:
            writer.writerow([account.participant_id, amount_text(s.total_cents)])
        else:
            writer.writerow([account.participant_id, account.assignment_id, amount_text(s.total_cents), reason])
    return PayoutFile(
        filename=f"payout-{period.project_id}-{period.pk}-{file_format}.csv",
        content=out.getvalue(),
        lines=len(statements),
        total_cents=sum(s.total_cents for s in statements),
        currency=period.currency,
    )
