"""Output shapes of the raters API. Exam and practice items are shown as payload only, like any task."""

from __future__ import annotations

from rest_framework import serializers

from raters.models import CampaignInvite, EarningsEntry, RaterApplication, RecruitmentCampaign


class ItemQuestionSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(source="id")
    payload = serializers.JSONField()


class EarningsEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = EarningsEntry
        fields = ["id", "project", "kind", "amount_cents", "annotation", "note", "created_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    rater_type = serializers.CharField(source="user.rater_profile.rater_type", default="")
    expertise = serializers.CharField(source="user.rater_profile.expertise", default="")
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = RaterApplication
        fields = [
            "id",
            "campaign",
            "user",
            "username",
            "rater_type",
            "expertise",
            "status",
            "decided_at",
            "decision_note",
            "created_at",
        ]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecruitmentCampaign
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "project",
            "rater_types",
            "is_open",
            "invite_only",
            "requires_approval",
            "places",
            "closed_at",
            "closed_reason",
            "created_at",
        ]


class InviteSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = CampaignInvite
        fields = ["id", "token", "url", "note", "max_uses", "use_count", "expires_at", "created_at"]

    def get_url(self, invite: CampaignInvite) -> str:
        path = f"/join/{invite.campaign.slug}/?invite={invite.token}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
