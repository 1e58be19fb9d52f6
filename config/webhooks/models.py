"""Webhook endpoints, deliveries (one row per event and endpoint, its last attempt on it) and their attempts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class EndpointStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FAILING = "failing", "Failing: retries ran out; nothing is sent until staff re-enable it"
    DISABLED = "disabled", "Disabled by staff"


class WebhookEndpoint(models.Model):
    """A receiver staff registered. The secret signs deliveries (HMAC-SHA256), so it is stored readable;
    after a rotation the previous one keeps signing too until `previous_secret_expires_at`."""

    url = models.URLField(max_length=2000)
    event_types = models.JSONField(default=list, help_text="Documented event types (docs/webhooks.md).")
    project_id = models.BigIntegerField(
        null=True, blank=True, help_text="Only this project's events; empty: every project. No FK: config is below."
    )
    description = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=8, choices=EndpointStatus.choices, default=EndpointStatus.ACTIVE)
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=EndpointStatus.values), name="webhookendpoint_status_valid"),
        ]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending (waiting for its next attempt or in flight)"
    SUCCEEDED = "succeeded", "Succeeded (the receiver answered 2xx)"
    FAILED = "failed", "Failed (retries ran out)"


class WebhookDelivery(models.Model):
    """One event to one endpoint. A worker leases the row (`lease_until`) while it sends; the row is done only
    after a 2xx, so a worker killed mid-send leaves it claimable again once the lease has passed."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("outbox.OutboxEvent", on_delete=models.CASCADE, related_name="deliveries")
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attempt = models.PositiveIntegerField(default=0, help_text="Attempts started so far.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Fan-out is idempotent: an event reaches an endpoint once, plus any manual redeliveries.
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(redelivery_of__isnull=True),
                name="webhookdelivery_once_per_endpoint",
            ),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="webhookdelivery_status_valid"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhookdelivery_due"),
            models.Index(fields=["endpoint", "-id"], name="webhookdelivery_endpoint_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"


class WebhookDeliveryAttempt(models.Model):
    """One attempt of a delivery, as it went: the delivery row keeps only the last one's status and error.
    Bounded by the retry period per delivery, and deleted with its delivery (outbox retention, endpoint delete)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempt = models.PositiveIntegerField(help_text="The delivery's attempt number (its claim).")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            # Recording is idempotent per claim: an attempt's outcome is stored once.
            models.UniqueConstraint(fields=["delivery", "attempt"], name="webhookdeliveryattempt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.attempt} ({self.response_status or self.error[:40]})"
