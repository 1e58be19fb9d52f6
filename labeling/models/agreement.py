"""Fitted aggregation state: per-rater reliability and the project-level model behind it.

`project_resolve` refits these on the whole project (its `_store_fit` is their only writer);
`item_resolve` reads them, so a single item resolved between two refits uses reliabilities learned
from every item, not from its own few votes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AggregationFit(models.Model):
    """The latest project-wide fit (one row per project, replaced on every refit)."""

    project = models.OneToOneField("labeling.Project", on_delete=models.CASCADE, related_name="aggregation_fit")
    method = models.CharField(max_length=32)
    # Class priors for Dawid-Skene, {label: probability}; empty for other methods.
    priors = models.JSONField(default=dict)
    annotation_count = models.PositiveIntegerField(default=0)
    item_count = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField(auto_now=True)


class RaterReliability(models.Model):
    """A rater's reliability on one project, as estimated by the project's aggregation method.

    `reliability` is in [0, 1] (the estimated probability of a correct label); `confusion` holds the
    Dawid-Skene error matrix {true_label: {observed_label: probability}} when that method fitted it.
    """

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="rater_reliabilities")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reliabilities")
    method = models.CharField(max_length=32)
    reliability = models.FloatField()
    confusion = models.JSONField(null=True, blank=True)
    annotation_count = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "rater"], name="rater_reliability_unique"),
            models.CheckConstraint(
                condition=Q(reliability__gte=0) & Q(reliability__lte=1), name="rater_reliability_range"
            ),
        ]
