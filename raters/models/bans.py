"""Project bans: a rejected applicant or removed member stays out of the project until staff lift the ban."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ProjectBan(models.Model):
    """One ban of one person from one project. Lifting keeps the row (who, when, why), so history survives.

    `email_normalized` is the banned account's address at ban time, normalised, so a fresh account with the
    same mailbox is refused too.
    """

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_bans")
    email_normalized = models.CharField(max_length=254, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            # At most one ban in force per person and project; lifted bans are history.
            models.UniqueConstraint(
                fields=["project", "user"], condition=Q(lifted_at__isnull=True), name="ban_active_unique"
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(lift_reason=""), name="ban_lift_needs_reason"
            ),
        ]
        indexes = [models.Index(fields=["project", "created_at"], name="ban_project_idx")]

    def __str__(self) -> str:
        return f"{self.user} banned from {self.project}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
