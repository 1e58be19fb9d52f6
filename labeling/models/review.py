"""The review pass (a reviewer accepts or rejects a rater's label), label history, and rater flags on items."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models import Q


class ReviewMode(models.TextChoices):
    OFF = "off", "Off"
    SAMPLE = "sample", "A random share of answers"
    ALL = "all", "Every answer"


class ReviewState(models.TextChoices):
    PENDING = "pending", "Waiting for a reviewer"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Review(models.Model):
    """One review round of one annotation. Drawn at submit (server-side, random), decided once.

    A rejection opens a rework task for the same rater: `rework_task_id` is their only handle on it (random,
    like an assignment's task id); `rework_done_at` is set when the corrected answer replaces the old one,
    and the corrected answer is drawn into a new round (round + 1) like any answer.
    """

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="reviews")
    annotation = models.ForeignKey("labeling.Annotation", on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    sampled_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    rework_task_id = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)
    rework_served_at = models.DateTimeField(null=True, blank=True)
    rework_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["annotation", "round"], name="review_annotation_round_unique"),
            models.CheckConstraint(condition=~Q(state="rejected") | ~Q(comment=""), name="review_reject_needs_comment"),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False), name="review_decided_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "sampled_at"], name="review_pending_idx", condition=Q(state="pending")),
            models.Index(
                fields=["project", "decided_at"],
                name="review_rework_open_idx",
                condition=Q(state="rejected", rework_done_at__isnull=True),
            ),
        ]


class AnnotationRevision(models.Model):
    """A label as it was before a rework replaced it: the history the Annotation row no longer shows."""

    annotation = models.ForeignKey("labeling.Annotation", on_delete=models.CASCADE, related_name="revisions")
    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="replaced_revision")
    value = models.JSONField()
    instruction_version = models.ForeignKey(
        "labeling.InstructionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    time_spent_ms = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=8)
    labeled_at = models.DateTimeField()
    replaced_at = models.DateTimeField()


class FlagReason(models.TextChoices):
    BROKEN = "broken", "Broken (does not load or makes no sense)"
    UNCLEAR = "unclear", "Unclear (the instructions do not say)"
    OFFENSIVE = "offensive", "Offensive"
    OTHER = "other", "Other"


class ItemFlag(models.Model):
    """A rater's flag on an item they were shown, under the instructions version of that task; one staff reply."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="flags")
    item = models.ForeignKey("labeling.Item", on_delete=models.CASCADE, related_name="flags")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="item_flags")
    assignment = models.ForeignKey("labeling.Assignment", on_delete=models.CASCADE, related_name="flags")
    instruction_version = models.ForeignKey(
        "labeling.InstructionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    reason = models.CharField(max_length=16, choices=FlagReason.choices)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()
    reply = models.TextField(blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "rater"], name="flag_item_rater_unique"),
            models.CheckConstraint(condition=~Q(reason="other") | ~Q(text=""), name="flag_other_needs_text"),
        ]
        indexes = [models.Index(fields=["project", "created_at"], name="flag_project_time_idx")]
