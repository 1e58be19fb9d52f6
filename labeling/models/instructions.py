"""Versioned instructions: every edit is a new row; nothing is overwritten."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class InstructionVersion(models.Model):
    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="instruction_versions")
    version = models.PositiveIntegerField()
    body = models.TextField(help_text="Markdown")
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="instruction_version_unique")]
        ordering = ["project", "-version"]

    def __str__(self) -> str:
        return f"{self.project} v{self.version}"


class InstructionAcknowledgement(models.Model):
    instruction_version = models.ForeignKey(InstructionVersion, on_delete=models.CASCADE, related_name="acks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instruction_acks")
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instruction_version", "user"], name="instruction_ack_unique")]
