"""Rater accounts. Self-reported attributes live apart, in raters.models.attributes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RaterType(models.TextChoices):
    GENERALIST = "generalist", "Generalist"
    EXPERT = "expert", "Subject-matter expert"
    END_USER = "end_user", "End user of the product"


class RaterProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rater_profile")
    rater_type = models.CharField(max_length=16, choices=RaterType.choices, default=RaterType.GENERALIST)
    expertise = models.CharField(max_length=300, blank=True)
    # A stable pseudonym used in exports and reports instead of the username.
    pseudonym = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.rater_type})"
