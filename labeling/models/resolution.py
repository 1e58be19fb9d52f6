"""Resolved labels and adjudication. Append-only: a new decision adds a row and flips `is_current`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ResolutionKind(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic"
    ADJUDICATION = "adjudication", "Adjudication"


class Resolution(models.Model):
    """One decision on an item.

    Written 333,334 rows at a time by `project_resolve`, so every index and foreign-key check counts:
    `project` is the item's project copied for filtering (covered by `resolution_project_idx`, kept
    consistent by the writers, cascaded by Django), and `supersedes` points at the row the same
    statement retired, so neither has a database constraint or its own index. `item` keeps both.
    """

    project = models.ForeignKey(
        "labeling.Project",
        on_delete=models.CASCADE,
        related_name="resolutions",
        db_index=False,
        db_constraint=False,
    )
    item = models.ForeignKey("labeling.Item", on_delete=models.CASCADE, related_name="resolutions")
    kind = models.CharField(max_length=16, choices=ResolutionKind.choices, default=ResolutionKind.AUTOMATIC)
    method = models.CharField(max_length=32)
    label = models.JSONField(null=True)
    confidence = models.FloatField(null=True)
    # Soft label: {value: probability or vote share}.
    distribution = models.JSONField(default=dict)
    annotation_count = models.PositiveIntegerField(default=0)
    needs_adjudication = models.BooleanField(default=False)
    adjudication_reason = models.CharField(max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    rationale = models.TextField(blank=True)
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item"], condition=Q(is_current=True), name="resolution_one_current"),
        ]
        indexes = [
            models.Index(
                fields=["project", "created_at"],
                name="resolution_queue_idx",
                condition=Q(is_current=True, needs_adjudication=True),
            ),
            models.Index(fields=["project", "is_current"], name="resolution_project_idx"),
        ]
