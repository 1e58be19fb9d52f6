"""Items to label. `slots_open` counts the raters an item still needs; a row lock guards it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Random


class Item(models.Model):
    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="items")
    external_id = models.CharField(max_length=255, null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    payload = models.JSONField()
    priority = models.IntegerField(default=0)
    # Order within a priority: random, drawn by the database on insert (so COPY and raw INSERTs get one too).
    # Queue order then says nothing about import order, batches, or where gold items sit (ADR 0008).
    queue_key = models.FloatField(db_default=Random(), editable=False)

    # Quality control: gold items carry a known answer and are never marked as gold to raters.
    is_gold = models.BooleanField(default=False)
    gold_value = models.JSONField(null=True, blank=True)
    gold_explanation = models.TextField(blank=True)
    # Exam and practice items are used in qualification/onboarding only, never in the normal queue.
    is_exam = models.BooleanField(default=False)
    is_practice = models.BooleanField(default=False)

    slots_open = models.PositiveSmallIntegerField()
    annotation_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "external_id"],
                condition=Q(external_id__isnull=False),
                name="item_external_id_unique",
            ),
            models.UniqueConstraint(
                fields=["project", "content_hash"],
                condition=Q(external_id__isnull=True),
                name="item_content_hash_unique",
            ),
            models.CheckConstraint(condition=Q(slots_open__gte=0), name="item_slots_nonnegative"),
        ]
        indexes = [
            # The next-task scan: open, regular items of a project, priority first, then the random key.
            models.Index(
                "project",
                models.F("priority").desc(),
                "queue_key",
                "id",
                name="item_queue_idx",
                condition=Q(slots_open__gt=0, is_gold=False, is_exam=False, is_practice=False),
            ),
            # The gold pick: a random point on the key, then onward (gold items of a project, out of the queue).
            models.Index(
                fields=["project", "queue_key"],
                name="item_gold_idx",
                condition=Q(is_gold=True, is_exam=False, is_practice=False),
            ),
        ]

    def __str__(self) -> str:
        return self.external_id or f"item {self.pk}"
