"""The adaptive-overlap decision last taken on an item: why it stopped, or why it asked for one more rater."""

from __future__ import annotations

from django.db import models


class ItemOverlapDecision(models.Model):
    """One row per item of an adaptive project, replaced after every label (`labeling.services.overlap`).

    Kept out of `Item` so the queue's rows (and the million-item index walk) stay as narrow as before.
    """

    item = models.OneToOneField("labeling.Item", on_delete=models.CASCADE, related_name="overlap_decision")
    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    outcome = models.CharField(max_length=8)  # done | more
    reason = models.CharField(max_length=32)  # target_reached | max_reached | below_min | below_target
    method = models.CharField(max_length=32)
    label = models.JSONField(null=True, blank=True)
    confidence = models.FloatField()
    posterior = models.JSONField(default=dict)
    raters_used = models.PositiveSmallIntegerField()  # people only
    # Whether the project's model rater (docs/adr/0015) voted in this posterior, and which version; a model
    # vote counts only when measured and at least as reliable as a person (docs/adr/0014).
    machine_counted = models.BooleanField(default=False)
    machine_rater = models.CharField(max_length=210, blank=True, default="")
    slots_opened = models.PositiveSmallIntegerField(default=0)  # extra slots past the minimum, so far
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "reason"], name="overlap_decision_reason_idx")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.outcome} ({self.reason})"
