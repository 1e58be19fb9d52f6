"""Direct labels with lineage: what the datasets part exports."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class LabelSource(models.TextChoices):
    FEEDBACK = "feedback", "Made by feedback inside the window"
    WINDOW_CLOSED = "window_closed", "Negative: window and grace passed with no event"
    LATE = "late", "Corrected by late feedback"


class DirectLabel(models.Model):
    """One version of the label of one request. While the window is open the current version is refined in
    place; after it closed, a correction by late feedback is a new version (the old one stays, not current)."""

    # No FK index: the unique (request, version) constraint serves lookups by request.
    request = models.ForeignKey(
        "feedback.InferenceRequest", on_delete=models.CASCADE, related_name="labels", db_index=False
    )
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    is_final = models.BooleanField(default=False, help_text="True once the window + grace has passed.")
    label = models.FloatField()
    weight = models.FloatField()
    source = models.CharField(max_length=16, choices=LabelSource.choices)
    # No per-row foreign-key check (docs/adr/0026): the join takes the id from the rule table in the same
    # statement, and a rule can never be deleted (a trigger refuses it), so the id always resolves.
    rule = models.ForeignKey("feedback.LabelRule", on_delete=models.PROTECT, db_index=False, db_constraint=False)
    rule_version = models.PositiveIntegerField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    model = models.CharField(max_length=200)
    model_version = models.CharField(max_length=100)
    features = models.JSONField(help_text="Feature snapshot after privacy filtering.")
    user_id = models.CharField(max_length=200, null=True, blank=True, help_text="Pseudonymous.")
    feedback_event_ids = models.JSONField(default=list)
    downsampling_rate = models.FloatField(default=1.0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="directlabel_request_version_unique"),
            models.UniqueConstraint(
                fields=["request"], condition=Q(is_current=True), name="directlabel_one_current_per_request"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="directlabel_version_positive"),
            models.CheckConstraint(
                condition=Q(downsampling_rate__gt=0) & Q(downsampling_rate__lte=1),
                name="directlabel_downsampling_rate_range",
            ),
        ]
        indexes = [
            models.Index(fields=["model", "created_at"], name="directlabel_model_created"),
            models.Index(fields=["user_id"], name="directlabel_user_id"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} v{self.version} = {self.label}"
