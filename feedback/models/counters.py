"""Per-minute counters so the dashboard can draw rates over time without scanning the big tables."""

from __future__ import annotations

from django.db import models


class FeedbackCounter(models.Model):
    minute = models.DateTimeField()
    name = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["minute", "name"], name="feedbackcounter_minute_name_unique")]

    def __str__(self) -> str:
        return f"{self.minute:%H:%M} {self.name}={self.value}"
