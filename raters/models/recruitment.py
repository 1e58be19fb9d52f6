"""Recruitment: campaigns with a public sign-up page, invite links, and the applications they collect."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class CloseReason(models.TextChoices):
    FULL = "full", "All places taken"
    WORK_DONE = "work_done", "The project has no work left"
    STAFF = "staff", "Closed by staff"


class RecruitmentCampaign(models.Model):
    """A public sign-up page. Applicants who sign up join `project` (if set) as unqualified raters."""

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Shown on the public sign-up page.")
    project = models.ForeignKey(
        "labeling.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="campaigns"
    )
    # Rater types this campaign accepts; empty means every type.
    rater_types = models.JSONField(default=list, blank=True)
    is_open = models.BooleanField(default=True)
    invite_only = models.BooleanField(default=False)
    # When set, only a staff decision qualifies an applicant (passing the exam is not enough).
    requires_approval = models.BooleanField(default=False)
    # How many applications the campaign accepts; empty means no limit. Full campaigns close themselves.
    places = models.PositiveIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=32, choices=CloseReason.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(places__isnull=True) | Q(places__gte=1), name="campaign_places_positive")
        ]

    def __str__(self) -> str:
        return self.title


class CampaignInvite(models.Model):
    """An invite link (`/join/<slug>/?invite=<token>`); the only way into an invite-only campaign."""

    campaign = models.ForeignKey(RecruitmentCampaign, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=200, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    use_count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(use_count__lte=F("max_uses")), name="invite_use_limit"
            )
        ]


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class RaterApplication(models.Model):
    campaign = models.ForeignKey(RecruitmentCampaign, on_delete=models.CASCADE, related_name="applications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rater_applications")
    invite = models.ForeignKey(CampaignInvite, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="application_campaign_user_unique")]
        indexes = [models.Index(fields=["status", "created_at"], name="application_status_idx")]
