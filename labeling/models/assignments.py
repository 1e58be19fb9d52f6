"""Leases of items to raters, and the annotations raters submit against them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models import Q


class AssignmentStatus(models.TextChoices):
    LEASED = "leased", "Leased"
    SUBMITTED = "submitted", "Submitted"
    SKIPPED = "skipped", "Skipped"
    EXPIRED = "expired", "Expired"


class Assignment(models.Model):
    """One (item, rater) pair. Unique, so a rater can never hold or label one item twice.

    An expired lease is re-granted to the same rater by updating this row, never by a second row.
    `task_id` is the rater's only handle on it: random (drawn by the database), so it says nothing about
    the item, the order of leases, or whether the item is gold (ADR 0008).
    """

    task_id = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="assignments")
    item = models.ForeignKey("labeling.Item", on_delete=models.CASCADE, related_name="assignments")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.LEASED)
    instruction_version = models.ForeignKey(
        "labeling.InstructionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leased_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    lease_count = models.PositiveSmallIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.TextField(blank=True)
    # One of the project's skip codes (or "other" with skip_reason as its text); empty when not skipped.
    skip_code = models.CharField(max_length=32, blank=True, default="", db_default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "rater"], name="assignment_item_rater_unique")]
        indexes = [
            models.Index(fields=["expires_at"], name="assignment_lease_idx", condition=Q(status="leased")),
            models.Index(fields=["rater", "project", "status"], name="assignment_rater_idx"),
        ]


class AnnotationSource(models.TextChoices):
    UI = "ui", "Web UI"
    API = "api", "API"
    IMPORT = "import", "Imported"


class Annotation(models.Model):
    """A rater's label for an item. Unique per (item, rater); imported annotations have no assignment."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="annotations")
    item = models.ForeignKey("labeling.Item", on_delete=models.CASCADE, related_name="annotations")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotations")
    assignment = models.OneToOneField(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="annotation"
    )
    value = models.JSONField()
    instruction_version = models.ForeignKey(
        "labeling.InstructionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="annotations"
    )
    # Measured by the server: from the lease being granted to the submit. Every time-based rule uses this.
    time_spent_ms = models.PositiveIntegerField(null=True, blank=True)
    # What the client said it took: a hint for debugging the UI, never read by any rule.
    client_time_spent_ms = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=AnnotationSource.choices, default=AnnotationSource.API)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "rater"], name="annotation_item_rater_unique")]
        indexes = [
            models.Index(fields=["project", "rater"], name="annotation_project_rater_idx"),
            models.Index(fields=["project", "created_at"], name="annotation_project_time_idx"),
        ]
