"""Serving statistics: feature statistics of inference requests per model and 5-minute window.

Each consumer batch appends one partial row per (model, window) it saw, in the batch's transaction, so
consumer processes never update a shared row; compaction later merges a closed window's partial rows
into one (docs/adr/0017-serving-statistics.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ServingStatistics(models.Model):
    model = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    window_seconds = models.PositiveIntegerField(default=300)
    rows = models.PositiveIntegerField()
    statistics = models.BinaryField(help_text="feedback.statistics.profile.Profile.to_bytes()")
    compacted = models.BooleanField(default=False, help_text="True for the merge of a window's partial rows")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["model", "window_start"], name="servingstats_model_window")]
        constraints = [
            models.CheckConstraint(condition=Q(window_seconds__gt=0), name="servingstats_window_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.window_start:%Y-%m-%d %H:%M} ({self.rows} rows)"
