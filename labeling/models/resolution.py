"""Resolved labels and adjudication. Append-only: a new decision adds a row and flips `is_current`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ResolutionKind(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic"
    ADJUDICATION = "adjudication", "Adjudication"


class Resolution(models.Model):
    """One decision on an item. Written only by `labeling.services.resolution_rows` (tests/test_write_paths.py).

    `project_resolve` writes a third of a million rows at a time at a million annotations, so every
    index and per-row check counts (docs/adr/0002-aggregation-methods.md, "Writing resolutions"):
    no foreign-key constraint in the database for `project` (the item's project, copied for filtering
    and kept consistent by the writers) and `supersedes` (the row the same statement retired), and no
    index of their own, nor for `decided_by`. `item` keeps its constraint: a resolution must never
    outlive its item, which is worth the ~1 s per million annotations its check costs at commit.
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
