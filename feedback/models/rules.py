"""Label rules: how a model's requests and feedback become labels. No rule, no label (no hidden default)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q


class LatePolicy(models.TextChoices):
    CORRECT = "correct", "Correct the label (new label version)"
    IGNORE = "ignore", "Record the event, keep the label"


class LabelRule(models.Model):
    """One version of the attribution rule for a model; the highest active version applies to new requests."""

    model = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    window = models.DurationField(help_text="Attribution window after served_at (up to 30 days).")
    grace = models.DurationField(help_text="Extra wait for delayed feedback before the window closes.")
    positive_events = models.JSONField(help_text='Event type -> weight, e.g. {"click": 1, "purchase": 5}.')
    negative_events = models.JSONField(default=list, blank=True, help_text='Event types that mean 0, e.g. ["dismiss"].')
    late_policy = models.CharField(max_length=10, choices=LatePolicy.choices)
    negative_downsampling_rate = models.FloatField(
        default=1.0, help_text="Share of negative labels kept (1 = keep all); recorded on every kept row."
    )
    orphan_ttl = models.DurationField(help_text="How long feedback waits for its request before it is an orphan.")
    maturity_horizon = models.DurationField(
        default=timedelta(days=1),
        help_text="After served_at + this (at least window + grace), a negative is final: late feedback is "
        "no longer expected. Before it, a closed negative is provisional.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["model", "version"], name="labelrule_model_version_unique"),
            models.CheckConstraint(
                condition=Q(window__gt=timedelta(0)) & Q(window__lte=timedelta(days=30)),
                name="labelrule_window_range",
            ),
            models.CheckConstraint(condition=Q(grace__gte=timedelta(0)), name="labelrule_grace_nonnegative"),
            models.CheckConstraint(condition=Q(orphan_ttl__gt=timedelta(0)), name="labelrule_orphan_ttl_positive"),
            models.CheckConstraint(
                condition=Q(negative_downsampling_rate__gt=0) & Q(negative_downsampling_rate__lte=1),
                name="labelrule_downsampling_rate_range",
            ),
            models.CheckConstraint(condition=Q(late_policy__in=["correct", "ignore"]), name="labelrule_late_policy"),
            models.CheckConstraint(
                condition=Q(maturity_horizon__gt=timedelta(0)), name="labelrule_maturity_horizon_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} v{self.version}"
