"""Ingestion bookkeeping: dead letters and the offsets each consumer committed (for lag figures)."""

from __future__ import annotations

from django.db import models


class DeadLetter(models.Model):
    """A message that could not be used, kept with its reason; also sent to the dead-letter topic."""

    consumer = models.CharField(max_length=100)
    topic = models.CharField(max_length=249)
    partition = models.IntegerField()
    offset = models.BigIntegerField()
    reason = models.CharField(max_length=40)
    detail = models.TextField(blank=True, default="")
    payload = models.BinaryField(
        null=True, help_text="The bytes (first 64 KiB), privacy paths applied when parseable; null for a null value."
    )
    payload_size = models.IntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "partition", "offset"], name="deadletter_position_unique")
        ]
        indexes = [models.Index(fields=["reason"], name="deadletter_reason")]

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}: {self.reason}"


class ConsumerOffset(models.Model):
    """The next offset to read per partition, written in the batch's transaction, and the last high-water mark."""

    group = models.CharField(max_length=200)
    topic = models.CharField(max_length=249)
    partition = models.IntegerField()
    committed_offset = models.BigIntegerField()
    highwater = models.BigIntegerField(null=True)
    # Event-time watermark (docs/adr/0019-event-time-watermarks.md): the latest event time read on the
    # partition, and the last time the consumer had read it to its end (its high-water mark).
    event_time_max = models.DateTimeField(null=True, blank=True)
    caught_up_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "topic", "partition"], name="consumeroffset_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.topic}[{self.partition}] @ {self.committed_offset}"
