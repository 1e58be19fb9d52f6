"""Staff endpoints of direct labeling: health figures, erasure, label rules, labels. Thin: one
selector or service each."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import NotFoundError
from config.openapi import PAGINATION_PARAMETERS, paginated
from feedback.models import DirectLabel, LabelRule
from feedback.models.rules import LatePolicy
from feedback.selectors.health import feedback_health
from feedback.selectors.labels import MaturityOf, direct_label_history, direct_labels_list
from feedback.services.rules import label_rule_create


class HealthApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(feedback_health())


def _seconds(value: timedelta) -> int:
    return int(value.total_seconds())


class LabelRuleOutputSerializer(serializers.ModelSerializer):
    """The same names and units as the input: durations are whole seconds."""

    window_seconds = serializers.SerializerMethodField()
    grace_seconds = serializers.SerializerMethodField()
    orphan_ttl_seconds = serializers.SerializerMethodField()
    maturity_horizon_seconds = serializers.SerializerMethodField()

    class Meta:
        model = LabelRule
        fields = ["id", "model", "version", "window_seconds", "grace_seconds", "positive_events", "negative_events",
                  "late_policy", "negative_downsampling_rate", "orphan_ttl_seconds", "maturity_horizon_seconds",
                  "is_active", "created_at"]  # fmt: skip

    def get_window_seconds(self, rule: LabelRule) -> int:
        return _seconds(rule.window)

    def get_grace_seconds(self, rule: LabelRule) -> int:
        return _seconds(rule.grace)

    def get_orphan_ttl_seconds(self, rule: LabelRule) -> int:
        return _seconds(rule.orphan_ttl)

    def get_maturity_horizon_seconds(self, rule: LabelRule) -> int:
        return _seconds(rule.maturity_horizon)


class LabelRuleApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema_serializer(component_name="LabelRuleInput")
    class InputSerializer(serializers.Serializer):
        # Mirrors the table's constraints; feedback.services.rules.label_rule_validate checks them again.
        model = serializers.CharField(max_length=200)
        window_seconds = serializers.IntegerField(min_value=1, max_value=30 * 86400)
        grace_seconds = serializers.IntegerField(min_value=0, max_value=365 * 86400)
        positive_events = serializers.DictField(
            child=serializers.FloatField(min_value=1e-9, max_value=1e9), allow_empty=False
        )
        negative_events = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
        late_policy = serializers.ChoiceField(choices=LatePolicy.choices)
        negative_downsampling_rate = serializers.FloatField(min_value=1e-9, max_value=1.0, default=1.0)
        orphan_ttl_seconds = serializers.IntegerField(min_value=1, max_value=365 * 86400)
        maturity_horizon_seconds = serializers.IntegerField(min_value=1, max_value=365 * 86400, default=86400)

    OutputSerializer = LabelRuleOutputSerializer

    @extend_schema(responses=LabelRuleOutputSerializer(many=True))
    def get(self, request):
        return Response(LabelRuleOutputSerializer(LabelRule.objects.all(), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: LabelRuleOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        rule = label_rule_create(
            model=v["model"],
            window=timedelta(seconds=v["window_seconds"]),
            grace=timedelta(seconds=v["grace_seconds"]),
            positive_events=v["positive_events"],
            negative_events=v.get("negative_events", []),
            late_policy=v["late_policy"],
            negative_downsampling_rate=v["negative_downsampling_rate"],
            orphan_ttl=timedelta(seconds=v["orphan_ttl_seconds"]),
            maturity_horizon=timedelta(seconds=v["maturity_horizon_seconds"]),
        )
        return Response(LabelRuleOutputSerializer(rule).data, status=201)


class DirectLabelOutputSerializer(serializers.ModelSerializer):
    """A label version with its lineage and, computed at read time, its maturity (open / provisional /
    final), age since serving, and for negatives the chance it still converts and its importance weight."""

    maturity = serializers.SerializerMethodField()
    age_seconds = serializers.SerializerMethodField()
    conversion_probability = serializers.SerializerMethodField()
    importance_weight = serializers.SerializerMethodField()

    class Meta:
        model = DirectLabel
        fields = ["id", "request_id", "version", "is_current", "is_final", "label", "weight", "source",
                  "rule_id", "rule_version", "window_start", "window_end", "model", "model_version",
                  "features", "user_id", "feedback_event_ids", "downsampling_rate", "created_at",
                  "updated_at", "maturity", "age_seconds", "conversion_probability",
                  "importance_weight"]  # fmt: skip

    def _maturity(self, label: DirectLabel):
        cache = self.context.setdefault("maturity_cache", {})
        if label.pk not in cache:
            maturity_of = self.context.get("maturity_of")
            if maturity_of is None:
                maturity_of = self.context["maturity_of"] = MaturityOf()
            cache[label.pk] = maturity_of(
                rule_id=label.rule_id, label=label.label, is_final=label.is_final, served_at=label.window_start
            )
        return cache[label.pk]

    def get_maturity(self, label: DirectLabel) -> str:
        return self._maturity(label).maturity

    def get_age_seconds(self, label: DirectLabel) -> float:
        return self._maturity(label).age_seconds

    def get_conversion_probability(self, label: DirectLabel) -> float | None:
        return self._maturity(label).conversion_probability

    def get_importance_weight(self, label: DirectLabel) -> float:
        return self._maturity(label).importance_weight


class DirectLabelListApi(APIView):
    permission_classes = [IsAdminUser]
    OutputSerializer = DirectLabelOutputSerializer

    @extend_schema(
        responses=paginated(DirectLabelOutputSerializer, "PaginatedDirectLabelList"), parameters=PAGINATION_PARAMETERS
    )
    def get(self, request):
        from rest_framework.pagination import LimitOffsetPagination

        paginator = LimitOffsetPagination()
        queryset = direct_labels_list(model=request.query_params.get("model"))
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(DirectLabelOutputSerializer(page, many=True).data)


class DirectLabelHistoryApi(APIView):
    """Every version of one request's label, oldest first: what it was, when, and why it changed."""

    permission_classes = [IsAdminUser]

    @extend_schema_serializer(component_name="DirectLabelHistory")
    class HistorySerializer(serializers.Serializer):
        request_id = serializers.CharField()
        versions = DirectLabelOutputSerializer(many=True)

    @extend_schema(responses=HistorySerializer)
    def get(self, request, request_id: str):
        versions = list(direct_label_history(request_id=request_id))
        if not versions:
            raise NotFoundError("No label for this request.", {"code": "not_found", "request_id": request_id})
        return Response({"request_id": request_id, "versions": DirectLabelOutputSerializer(versions, many=True).data})
