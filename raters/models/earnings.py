"""The earnings ledger: append-only (a database trigger refuses UPDATE and DELETE).

A correction is a new `adjustment` entry, never an edit. Project spend is the sum of a project's entries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class EarningsKind(models.TextChoices):
    ANNOTATION = "annotation", "Accepted annotation"
    GOLD_BONUS = "gold_bonus", "Gold accuracy bonus"
    ADJUSTMENT = "adjustment", "Adjustment"
    FLOOR_TOP_UP = "floor_top_up", "Hourly floor top-up"


class EarningsEntry(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="earnings")
    project = models.ForeignKey("labeling.Project", on_delete=models.PROTECT, related_name="earnings")
    kind = models.CharField(max_length=16, choices=EarningsKind.choices)
    amount_cents = models.IntegerField()
    annotation = models.ForeignKey(
        "labeling.Annotation", null=True, blank=True, on_delete=models.PROTECT, related_name="earnings"
    )
    note = models.CharField(max_length=300, blank=True)
    # Set on floor top-ups only: the pay period whose close wrote it (one top-up per rater and period).
    pay_period = models.ForeignKey(
        "raters.PayPeriod", null=True, blank=True, on_delete=models.PROTECT, related_name="top_ups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Paying twice for one annotation is impossible, even under a race.
            models.UniqueConstraint(
                fields=["annotation", "kind"],
                condition=Q(annotation__isnull=False),
                name="earnings_once_per_annotation",
            ),
            models.CheckConstraint(
                condition=Q(kind="adjustment") | Q(amount_cents__gte=0), name="earnings_nonnegative_unless_adjustment"
            ),
            models.UniqueConstraint(
                fields=["pay_period", "user"],
                condition=Q(kind="floor_top_up"),
                name="earnings_one_top_up_per_period",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "user"], name="earnings_project_user_idx"),
            models.Index(fields=["user", "-created_at"], name="earnings_user_time_idx"),
        ]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Earnings entries are append-only; add an adjustment instead.")
        super().save(*args, **kwargs)
