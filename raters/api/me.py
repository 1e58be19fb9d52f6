"""The rater's own data: stats, earnings ledger, consented attributes, and standing on a project."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.models import ProjectMembership
from labeling.selectors.projects import project_get_for_user
from raters.api.serializers import EarningsEntrySerializer
from raters.models import RaterAttributes
from raters.models.attributes import ATTRIBUTE_FIELDS
from raters.selectors.projects import rater_ledger, rater_project_progress, rater_stats
from raters.services.attributes import CONSENT_TEXT, attributes_consent_give, attributes_withdraw
from raters.services.gate import rater_task_refusal


class MyStatsApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        stats = rater_stats(user=request.user)
        profile = getattr(request.user, "rater_profile", None)
        return Response(
            {
                "username": request.user.get_username(),
                "rater_type": profile.rater_type if profile else None,
                "tasks_done": stats["tasks_done"],
                "earnings_cents": stats["earnings_cents"],
                "projects": [
                    {
                        "project_id": row["project"].pk,
                        "project": row["project"].name,
                        "tasks_done": row["tasks_done"],
                        "gold_accuracy": row["gold_accuracy"],
                        "median_seconds": row["median_seconds"],
                        "earnings_cents": row["earnings_cents"],
                        "status": row["membership"].status,
                        "is_qualified": row["membership"].is_qualified,
                        "pause_reason": row["membership"].pause_reason,
                        "paused_at": row["membership"].paused_at,
                    }
                    for row in stats["projects"]
                ],
            }
        )


class MyEarningsApi(APIView):
    @extend_schema(responses={200: EarningsEntrySerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(EarningsEntrySerializer(rater_ledger(user=request.user, limit=500), many=True).data)


class AttributesInputSerializer(serializers.Serializer):
    consent = serializers.BooleanField()
    language = serializers.CharField(max_length=64, required=False, allow_blank=True)
    region = serializers.CharField(max_length=64, required=False, allow_blank=True)
    age_band = serializers.CharField(max_length=8, required=False, allow_blank=True)
    gender = serializers.CharField(max_length=16, required=False, allow_blank=True)
    domain_expertise = serializers.CharField(max_length=100, required=False, allow_blank=True)


def _attributes_out(attributes: RaterAttributes | None) -> dict:
    if attributes is None:
        return {"consented": False, "consent_text": CONSENT_TEXT}
    return {
        "consented": True,
        "consented_at": attributes.consented_at,
        "consent_text": CONSENT_TEXT,
        **{f: getattr(attributes, f) for f in ATTRIBUTE_FIELDS},
    }


class MyAttributesApi(APIView):
    """Only the rater themself ever reads their own values; staff get aggregates (diversity report)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(_attributes_out(RaterAttributes.objects.filter(user=request.user).first()))

    @extend_schema(responses=OpenApiTypes.OBJECT, request=AttributesInputSerializer)
    def put(self, request: Request) -> Response:
        data = AttributesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        consent = values.pop("consent")
        return Response(_attributes_out(attributes_consent_give(user=request.user, consent=consent, **values)))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def delete(self, request: Request) -> Response:
        attributes_withdraw(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyProjectStatusApi(APIView):
    """Whether the rater can get tasks on the project now, and if not, why (the same codes as the task API).

    `progress` is the label page's meter (done, left, percent, all_done), from the same selector.
    """

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        from raters.selectors.onboarding import rater_next_step

        project = project_get_for_user(project_id=project_id, user=request.user)
        refusal = rater_task_refusal(project=project, user=request.user)
        membership = ProjectMembership.objects.filter(project=project, user=request.user).first()
        return Response(
            {
                "project_id": project.pk,
                "next_step": rater_next_step(project=project, user=request.user),
                "can_label": refusal is None,
                "refusal": {"code": refusal[0], "message": refusal[1]} if refusal else None,
                "status": membership.status if membership else None,
                "pause_reason": membership.pause_reason if membership else "",
                "progress": rater_project_progress(project=project, user=request.user),
            }
        )
