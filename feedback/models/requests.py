"""Logged inference requests and feedback events, the two sides of the join. All join state lives here."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RequestState(models.TextChoices):
    # A row made by feedback that arrived before its request: it holds the join key (and its row lock).
    AWAITING = "awaiting", "Feedback seen, request not yet"
    ORPHANED = "orphaned", "Feedback waited longer than the orphan TTL"
    OPEN = "open", "Window open"
    CLOSED = "closed", "Window and grace passed"
    UNJOINABLE = "unjoinable", "No label rule for the model"
    SUPPRESSED = "suppressed", "User opted out: nothing kept"


class InferenceRequest(models.Model):
    """A logged request (or a placeholder for one); its row is the per-request lock of the join."""

    request_id = models.CharField(max_length=128, primary_key=True)
    state = models.CharField(max_length=12, choices=RequestState.choices)
    model = models.CharField(max_length=200, blank=True, default="")
    model_version = models.CharField(max_length=100, blank=True, default="")
    served_at = models.DateTimeField(null=True, blank=True)
    features = models.JSONField(null=True, blank=True, help_text="After privacy filtering.")
    prediction = models.JSONField(null=True, blank=True)
    user_id = models.CharField(max_length=200, null=True, blank=True)
    item_id = models.CharField(max_length=200, null=True, blank=True)
    context = models.JSONField(null=True, blank=True)
    # No per-row foreign-key check, as on DirectLabel.rule (docs/adr/0026): rules are never deleted.
    rule = models.ForeignKey(
        "feedback.LabelRule", null=True, blank=True, on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    window_end = models.DateTimeField(null=True, blank=True)
    close_at = models.DateTimeField(null=True, blank=True)
    sample_key = models.FloatField(null=True, blank=True, help_text="Deterministic [0,1) key for downsampling.")
    first_seen_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["close_at"], name="infreq_open_close_at", condition=Q(state="open")),
            models.Index(fields=["first_seen_at"], name="infreq_awaiting_seen", condition=Q(state="awaiting")),
            models.Index(fields=["user_id"], name="infreq_user_id"),
        ]

    def __str__(self) -> str:
        return self.request_id


class FeedbackStatus(models.TextChoices):
    PENDING = "pending", "Waiting for its request"
    APPLIED = "applied", "Joined inside the window"
    LATE_APPLIED = "late_applied", "Late, corrected the label"
    LATE_IGNORED = "late_ignored", "Late, ignored by the rule"
    UNUSED = "unused", "Type not in the rule"
    PRE_SERVED = "pre_served", "Occurred before served_at (beyond the clock-skew allowance)"
    ORPHAN = "orphan", "No request within the orphan TTL"
    UNJOINABLE = "unjoinable", "Request has no label rule"
    SUPPRESSED = "suppressed", "Request's user opted out"


class FeedbackEvent(models.Model):
    """One feedback event, stored once (event_id) whatever its fate, so nothing is silently dropped."""

    event_id = models.CharField(max_length=128, primary_key=True)
    request = models.ForeignKey(
        InferenceRequest, on_delete=models.CASCADE, related_name="feedback_events", db_index=False
    )
    type = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=FeedbackStatus.choices)
    received_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Plain indexes, not the FK's default (which adds a useless varchar_pattern_ops twin).
            models.Index(fields=["request"], name="fbevent_request"),
            models.Index(fields=["request"], name="fbevent_pending_req", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return self.event_id
