"""Continuous quality control: scored gold answers and the log of pause/reinstate decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class GoldCheck(models.Model):
    """The score of one annotation on a gold item, written once when the annotation is submitted."""

    annotation = models.OneToOneField("labeling.Annotation", on_delete=models.CASCADE, related_name="gold_check")
    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="+")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("labeling.Item", on_delete=models.CASCADE, related_name="+")
    is_correct = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["project", "rater"], name="goldcheck_project_rater_idx")]


class StatusAction(models.TextChoices):
    PAUSED = "paused", "Paused"
    REINSTATED = "reinstated", "Reinstated"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    QUALIFIED = "qualified", "Qualified by exam"


class RaterStatusEvent(models.Model):
    """Why a rater's standing on a project changed, with the metrics at that moment (shown to the rater)."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rater_status_events")
    action = models.CharField(max_length=16, choices=StatusAction.choices)
    reason = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["project", "user", "-created_at"], name="status_event_user_idx")]
