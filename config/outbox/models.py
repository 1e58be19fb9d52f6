"""Outbox rows: one per domain event (webhooks) or per streamed record (Kafka), in commit order by id."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    WEBHOOK = "webhook", "Webhook event (fanned out to endpoints)"
    STREAM = "stream", "Kafka record (published by a relay)"


class OutboxEvent(models.Model):
    """An event written in the transaction of the change that caused it; a relay delivers it at least once.

    `event_id` is the id receivers de-duplicate on (the `webhook-id` header, stable across retries). Webhook
    rows are `dispatched_at` once fanned out to deliveries; stream rows are `published_at` once the broker
    acknowledged them. `dedupe_key` makes re-emitting the same fact (a replayed batch) a no-op.
    """

    event_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=64)
    schema_version = models.PositiveSmallIntegerField(default=1)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEBHOOK)
    project_id = models.BigIntegerField(null=True, blank=True, help_text="No foreign key: config is below labeling.")
    topic = models.CharField(max_length=200, blank=True, default="")
    key = models.CharField(max_length=200, blank=True, default="")
    payload = models.JSONField()
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="outbox_dedupe_key_unique"),
        ]
        indexes = [
            # The relays' queues: rows not yet handed on, oldest first; tiny because handled rows leave them.
            models.Index(
                fields=["id"], condition=Q(channel="webhook", dispatched_at__isnull=True), name="outbox_webhook_due"
            ),
            models.Index(
                fields=["id"], condition=Q(channel="stream", published_at__isnull=True), name="outbox_stream_due"
            ),
            models.Index(fields=["created_at"], name="outbox_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
