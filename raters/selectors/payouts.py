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

from config.exceptions import ConflictError, NotFoundError
from config.input_guard import csv_cell_safe
from labeling.models import Project, ProjectMembership
from raters.models import PayoutAccount, PayoutAccountChange, PayoutStatement, PayPeriod, PeriodState, Platform

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


def payout_account_exported(*, account: PayoutAccount) -> bool:
    """Whether a payout through this account's platform was exported for its rater and project.

    From then on the account is frozen: an export `again` must give the same file, and a rater must not
    be able to point money already paid, or about to be uploaded, at another id.
    """
    return PayoutStatement.objects.filter(
        user_id=account.user_id,
        period__project_id=account.project_id,
        period__state=PeriodState.EXPORTED,
        period__export_format=account.platform,
        total_cents__gt=0,
    ).exists()


def rater_payable_project(*, user, project_id: int) -> Project:
    """A project the rater ever worked on, removed or not (they may still be owed pay); else 404."""
    membership = ProjectMembership.objects.filter(user=user, project_id=project_id).select_related("project").first()
    if membership is None:
        raise NotFoundError("No such project.", extra={"code": "project_not_found"})
    return membership.project


def rater_payable_projects(*, user) -> list[Project]:
    """Every project the rater ever worked on, by name: where they may say how they are paid."""
    return list(Project.objects.filter(memberships__user=user).order_by("name", "id").distinct())


def rater_payout_accounts(*, user) -> list[dict]:
    """The rater's own payout accounts, one per project, with whether each is frozen by an export."""
    accounts = PayoutAccount.objects.filter(user=user).select_related("project").order_by("project_id")
    return [{"account": a, "locked": payout_account_exported(account=a)} for a in accounts]


def rater_payout_account(*, user, project) -> PayoutAccount | None:
    """The rater's own payout account on one project, if they have set one."""
    return PayoutAccount.objects.filter(project=project, user=user).first()


def payout_account_history(*, user, project_id: int | None = None) -> QuerySet[PayoutAccountChange]:
    """Every change of a rater's payout accounts, newest first."""
    changes = PayoutAccountChange.objects.filter(user=user)
    if project_id is not None:
        changes = changes.filter(project_id=project_id)
    return changes.order_by("-changed_at", "-id")


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
