"""Self-reported attributes, given with explicit consent and kept apart from the account.

Withdrawing deletes the row; `ConsentEvent` keeps only that consent was given or withdrawn, never a value.
The values are only ever read in aggregate (raters.selectors.diversity), never listed per rater to staff.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

CONSENT_TEXT_VERSION = "2026-11-v1"


class AgeBand(models.TextChoices):
    A18 = "18-24", "18-24"
    A25 = "25-34", "25-34"
    A35 = "35-44", "35-44"
    A45 = "45-54", "45-54"
    A55 = "55-64", "55-64"
    A65 = "65+", "65 or over"


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Self-described / other"


ATTRIBUTE_FIELDS = ("language", "region", "age_band", "gender", "domain_expertise")


class RaterAttributes(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rater_attributes")
    language = models.CharField(max_length=64, blank=True)
    region = models.CharField(max_length=64, blank=True)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True)
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    domain_expertise = models.CharField(max_length=100, blank=True)
    consent_text_version = models.CharField(max_length=32)
    consented_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)


class ConsentEvent(models.Model):
    class Action(models.TextChoices):
        GIVEN = "given", "Given"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    consent_text_version = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
