"""The estimated delay between serving and the first positive event, per label rule (delayed feedback)."""

from __future__ import annotations

from django.db import models


class DelayDistribution(models.Model):
    """An empirical CDF of positives' delays and the eventual conversion rate, estimated on the requests old
    enough to have seen their whole horizon (feedback/services/delays.py). One row per rule, refreshed."""

    rule = models.OneToOneField("feedback.LabelRule", on_delete=models.CASCADE, related_name="delay_distribution")
    computed_at = models.DateTimeField()
    horizon_seconds = models.FloatField()
    cohort_requests = models.PositiveIntegerField(help_text="Requests served at least one horizon ago.")
    cohort_positives = models.PositiveIntegerField()
    conversion_rate = models.FloatField(help_text="p: share of the cohort with a positive inside the horizon.")
    cdf = models.JSONField(help_text="[[delay_seconds, F], ...]: the empirical CDF at up to 256 steps.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(conversion_rate__gte=0) & models.Q(conversion_rate__lte=1),
                name="delaydistribution_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} p={self.conversion_rate:.3f}"
