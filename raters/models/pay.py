"""Pay fairness and payouts: a project's pay policy, pay periods, payout statements and platform ids.

Money is whole cents of the project's currency (every supported currency has two minor digits), so a
statement's total is exactly the sum of its ledger entries and an export line is cents / 100, exact.
Statements and their entry links are immutable (a database trigger refuses UPDATE and DELETE): a
correction is a new ledger entry, and it falls into the next period (docs/adr/0025-pay-per-hour-and-payouts.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

# ISO 4217 codes with two minor digits that Prolific and MTurk pay in (MTurk pays USD only).
CURRENCIES = ("USD", "GBP", "EUR", "CAD", "AUD")


class PayPolicy(models.Model):
    """A project's currency and optional floor per hour of server-measured work."""

    project = models.OneToOneField("labeling.Project", on_delete=models.CASCADE, related_name="pay_policy")
    currency = models.CharField(max_length=3, default="USD")
    hourly_floor_cents = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(currency__in=CURRENCIES), name="pay_policy_currency_known"),
            models.CheckConstraint(
                condition=Q(hourly_floor_cents__isnull=True) | Q(hourly_floor_cents__lte=100_000),
                name="pay_policy_floor_bounded",
            ),
        ]


class Platform(models.TextChoices):
    PROLIFIC = "prolific", "Prolific"
    MTURK = "mturk", "Amazon Mechanical Turk"


class PayoutAccount(models.Model):
    """Where a rater is paid for a project: their Prolific participant id, or MTurk worker and assignment ids."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="payout_accounts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_accounts")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    participant_id = models.CharField(max_length=64)  # Prolific participant id, or MTurk worker id
    assignment_id = models.CharField(max_length=64, blank=True)  # MTurk only: the HIT assignment a bonus refers to
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="payout_account_one_per_rater"),
            models.UniqueConstraint(fields=["project", "platform", "participant_id"], name="payout_account_id_unique"),
        ]


class PeriodState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    EXPORTED = "exported", "Exported"


class PayPeriod(models.Model):
    """[starts_at, ends_at) of a project's pay. open -> closed (statements written) -> exported."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="pay_periods")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=PeriodState.choices, default=PeriodState.OPEN)
    hourly_floor_cents = models.PositiveIntegerField(null=True, blank=True)  # the floor in force at close
    currency = models.CharField(max_length=3, blank=True)  # fixed at close
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField(null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    export_format = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="pay_period_ends_after_start"),
            models.UniqueConstraint(fields=["project", "starts_at"], name="pay_period_start_unique"),
        ]
        indexes = [models.Index(fields=["project", "-starts_at"], name="pay_period_project_idx")]


class PayoutStatement(models.Model):
    """What one rater is owed for one closed period. Immutable: written once at close, never updated."""

    period = models.ForeignKey(PayPeriod, on_delete=models.PROTECT, related_name="statements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_statements")
    currency = models.CharField(max_length=3)
    total_cents = models.BigIntegerField()
    earned_cents = models.BigIntegerField()  # the period's ledger entries before the floor top-up
    topup_cents = models.BigIntegerField(default=0)
    worked_ms = models.BigIntegerField()
    tasks = models.PositiveIntegerField()
    entry_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "user"], name="payout_statement_once_per_period"),
            models.CheckConstraint(condition=Q(total_cents__gte=0), name="payout_statement_nonnegative"),
            models.CheckConstraint(
                condition=Q(total_cents=F("earned_cents") + F("topup_cents")), name="payout_statement_total_adds_up"
            ),
        ]


class PayoutStatementEntry(models.Model):
    """A ledger entry paid by a statement. One statement per entry, so no cent is paid out twice."""

    statement = models.ForeignKey(PayoutStatement, on_delete=models.PROTECT, related_name="lines")
    entry = models.OneToOneField("raters.EarningsEntry", on_delete=models.PROTECT, related_name="statement_line")


class AccountChangeSource(models.TextChoices):
    RATER = "rater", "The rater"
    STAFF = "staff", "Staff"


class PayoutAccountChange(models.Model):
    """One change of a rater's payout account: who, when, the ids before and after. Append-only (a trigger).

    Money follows the id, so every id a rater was ever paid through stays on record.
    """

    project = models.ForeignKey("labeling.Project", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_account_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=8, choices=AccountChangeSource.choices)
    old_platform = models.CharField(max_length=16, blank=True)
    old_participant_id = models.CharField(max_length=64, blank=True)
    old_assignment_id = models.CharField(max_length=64, blank=True)
    new_platform = models.CharField(max_length=16)
    new_participant_id = models.CharField(max_length=64)
    new_assignment_id = models.CharField(max_length=64, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["project", "user", "-changed_at"], name="payout_change_rater_idx")]
