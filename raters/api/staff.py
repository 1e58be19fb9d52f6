"""Staff operations: campaigns and invites, applicant decisions, bans, quality, reinstatement, budget, diversity."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.models import Project
from raters.api.serializers import ApplicationSerializer, CampaignSerializer, EarningsEntrySerializer, InviteSerializer
from raters.api.throttles import ApplicationsAddressThrottle
from raters.models import ProjectBan, RaterApplication, RecruitmentCampaign
from raters.selectors.bans import project_bans
from raters.selectors.budget import project_budget_report
from raters.selectors.diversity import pool_diversity_report
from raters.selectors.quality import project_rater_quality
from raters.services.bans import project_ban_lift
from raters.services.earnings import earnings_adjust
from raters.services.quality import rater_pause, rater_reinstate
from raters.services.recruitment import (
    application_approve,
    application_reject,
    campaign_close,
    campaign_create,
    invite_create,
)


class StaffApi(APIView):
    permission_classes = [IsAdminUser]


class CampaignInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=64, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    rater_types = serializers.ListField(child=serializers.CharField(), required=False)
    invite_only = serializers.BooleanField(required=False, default=False)
    requires_approval = serializers.BooleanField(required=False, default=False)
    places = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class CampaignListCreateApi(StaffApi):
    @extend_schema(responses={200: CampaignSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(CampaignSerializer(RecruitmentCampaign.objects.order_by("-created_at"), many=True).data)

    @extend_schema(request=CampaignInputSerializer, responses={201: CampaignSerializer})
    def post(self, request: Request) -> Response:
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaign_create(created_by=request.user, **data.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignCloseApi(StaffApi):
    """Close a campaign by hand; like every close, it is for good (open a new campaign to recruit again)."""

    @extend_schema(request=None, responses={200: CampaignSerializer})
    def post(self, request: Request, slug: str) -> Response:
        campaign = get_object_or_404(RecruitmentCampaign, slug=slug)
        return Response(CampaignSerializer(campaign_close(campaign=campaign)).data)


class InviteInputSerializer(serializers.Serializer):
    max_uses = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=1)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class InviteCreateApi(StaffApi):
    @extend_schema(request=InviteInputSerializer, responses={201: InviteSerializer})
    def post(self, request: Request, slug: str) -> Response:
        campaign = get_object_or_404(RecruitmentCampaign, slug=slug)
        data = InviteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invite = invite_create(campaign=campaign, created_by=request.user, **data.validated_data)
        return Response(InviteSerializer(invite, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ApplicationsApi(StaffApi):
    throttle_classes = [ApplicationsAddressThrottle]


class ApplicationListApi(ApplicationsApi):
    @extend_schema(responses={200: ApplicationSerializer(many=True)})
    def get(self, request: Request) -> Response:
        qs = RaterApplication.objects.select_related("campaign", "user__rater_profile").order_by("created_at")
        wanted = request.query_params.get("status")
        if wanted:
            qs = qs.filter(status=wanted)
        return Response(ApplicationSerializer(qs[:500], many=True).data)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ApplicationApproveApi(ApplicationsApi):
    @extend_schema(request=DecisionSerializer, responses={200: ApplicationSerializer})
    def post(self, request: Request, application_id: int) -> Response:
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = application_approve(application_id=application_id, actor=request.user, **data.validated_data)
        return Response(ApplicationSerializer(application).data)


class ApplicationRejectApi(ApplicationsApi):
    @extend_schema(request=DecisionSerializer, responses={200: ApplicationSerializer})
    def post(self, request: Request, application_id: int) -> Response:
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = application_reject(application_id=application_id, actor=request.user, **data.validated_data)
        return Response(ApplicationSerializer(application).data)


class ProjectQualityApi(StaffApi):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = get_object_or_404(Project, pk=project_id)
        return Response({"project_id": project.pk, "raters": project_rater_quality(project=project)})


class RaterPauseApi(StaffApi):
    @extend_schema(responses=OpenApiTypes.OBJECT, request=DecisionSerializer)
    def post(self, request: Request, project_id: int, user_id: int) -> Response:
        project = get_object_or_404(Project, pk=project_id)
        user = get_object_or_404(get_user_model(), pk=user_id)
        note = request.data.get("note") or "Paused by staff."
        changed = rater_pause(project=project, user=user, reason=str(note)[:500], actor=request.user)
        return Response({"paused": True, "changed": changed})


class RaterReinstateApi(StaffApi):
    @extend_schema(responses=OpenApiTypes.OBJECT, request=DecisionSerializer)
    def post(self, request: Request, project_id: int, user_id: int) -> Response:
        project = get_object_or_404(Project, pk=project_id)
        user = get_object_or_404(get_user_model(), pk=user_id)
        membership = rater_reinstate(
            project=project, user=user, actor=request.user, note=str(request.data.get("note") or "")[:500]
        )
        return Response({"status": membership.status})


class BudgetReportSerializer(serializers.Serializer):
    """remaining = budget - spent - reserved; spent = pay + bonus + adjustments (all from the ledger)."""

    budget_cents = serializers.IntegerField(allow_null=True)
    spent_cents = serializers.IntegerField()
    spent_pay_cents = serializers.IntegerField()
    spent_bonus_cents = serializers.IntegerField()
    spent_adjustment_cents = serializers.IntegerField()
    spent_topup_cents = serializers.IntegerField()
    reserved_cents = serializers.IntegerField(help_text="Open leases plus gold bonuses earned in unfinished blocks.")
    reserved_leases_cents = serializers.IntegerField()
    reserved_bonus_cents = serializers.IntegerField()
    committed_cents = serializers.IntegerField(help_text="spent + reserved")
    remaining_cents = serializers.IntegerField(allow_null=True)
    next_task_cost_cents = serializers.IntegerField(help_text="Pay plus one possible gold bonus.")
    open_leases = serializers.IntegerField()
    unsettled_gold_answers = serializers.IntegerField()
    paid_annotations = serializers.IntegerField()
    resolved_labels = serializers.IntegerField()
    cost_per_resolved_label_cents = serializers.FloatField(allow_null=True)
    exhausted = serializers.BooleanField()


class ProjectBudgetApi(StaffApi):
    @extend_schema(responses={200: BudgetReportSerializer})
    def get(self, request: Request, project_id: int) -> Response:
        project = get_object_or_404(Project, pk=project_id)
        return Response(BudgetReportSerializer(asdict(project_budget_report(project=project))).data)


class AdjustmentSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    note = serializers.CharField(max_length=300)


class EarningsAdjustApi(StaffApi):
    """A signed correction; a positive one must fit in the budget left (409 `budget_exceeded` otherwise)."""

    @extend_schema(request=AdjustmentSerializer, responses={201: EarningsEntrySerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = get_object_or_404(Project, pk=project_id)
        data = AdjustmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = get_object_or_404(get_user_model(), pk=data.validated_data["user"])
        entry = earnings_adjust(
            project=project,
            user=user,
            amount_cents=data.validated_data["amount_cents"],
            note=data.validated_data["note"],
            created_by=request.user,
        )
        return Response(EarningsEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class DiversityApi(StaffApi):
    """Aggregates only: groups smaller than k are never returned, and k never goes below the privacy floor."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = get_object_or_404(Project, pk=project_id)
        return Response(asdict(pool_diversity_report(project=project, k=request.query_params.get("k"))))


class BanSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    banned_by = serializers.CharField(source="banned_by.username", default=None, read_only=True)
    lifted_by = serializers.CharField(source="lifted_by.username", default=None, read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ProjectBan
        fields = [
            "id",
            "user",
            "username",
            "reason",
            "banned_by",
            "created_at",
            "is_active",
            "lifted_at",
            "lifted_by",
            "lift_reason",
        ]


class BanListApi(StaffApi):
    """Every ban of the project, lifted ones included (the history); `?active=1` for bans in force only."""

    @extend_schema(responses={200: BanSerializer(many=True)})
    def get(self, request: Request, project_id: int) -> Response:
        project = get_object_or_404(Project, pk=project_id)
        active_only = request.query_params.get("active") in ("1", "true", "yes")
        return Response(BanSerializer(project_bans(project=project, include_lifted=not active_only), many=True).data)


class LiftSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class BanLiftApi(StaffApi):
    @extend_schema(request=LiftSerializer, responses={200: BanSerializer})
    def post(self, request: Request, project_id: int, ban_id: int) -> Response:
        project = get_object_or_404(Project, pk=project_id)
        data = LiftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ban = project_ban_lift(project=project, ban_id=ban_id, actor=request.user, reason=data.validated_data["reason"])
        return Response(BanSerializer(ban).data)
