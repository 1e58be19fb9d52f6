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

from config.openapi import PAGINATION_PARAMETERS, paginated
from feedback.models import DirectLabel, LabelRule
from feedback.models.rules import LatePolicy
from feedback.selectors.health import feedback_health
from feedback.selectors.labels import direct_labels_list
from feedback.services.rules import label_rule_create


class HealthApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(feedback_health())


class LabelRuleApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema_serializer(component_name="LabelRuleInput")
    class InputSerializer(serializers.Serializer):
        model = serializers.CharField(max_length=200)
        window_seconds = serializers.IntegerField(min_value=1, max_value=30 * 86400)
        grace_seconds = serializers.IntegerField(min_value=0)
        positive_events = serializers.DictField(child=serializers.FloatField(min_value=0.0))
        negative_events = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
        late_policy = serializers.ChoiceField(choices=LatePolicy.choices)
        negative_downsampling_rate = serializers.FloatField(min_value=0.0, max_value=1.0, default=1.0)
        orphan_ttl_seconds = serializers.IntegerField(min_value=1)

    @extend_schema_serializer(component_name="LabelRule")
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = LabelRule
            fields = ["id", "model", "version", "window", "grace", "positive_events", "negative_events",
                      "late_policy", "negative_downsampling_rate", "orphan_ttl", "is_active", "created_at"]  # fmt: skip

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return Response(self.OutputSerializer(LabelRule.objects.all(), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
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
        )
        return Response(self.OutputSerializer(rule).data, status=201)


class DirectLabelListApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema_serializer(component_name="DirectLabel")
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = DirectLabel
            fields = ["id", "request_id", "version", "is_current", "is_final", "label", "weight", "source",
                      "rule_id", "rule_version", "window_start", "window_end", "model", "model_version",
                      "features", "user_id", "feedback_event_ids", "downsampling_rate", "created_at",
                      "updated_at"]  # fmt: skip

    @extend_schema(responses=paginated(OutputSerializer, "PaginatedDirectLabelList"), parameters=PAGINATION_PARAMETERS)
    def get(self, request):
        from rest_framework.pagination import LimitOffsetPagination

        paginator = LimitOffsetPagination()
        queryset = direct_labels_list(model=request.query_params.get("model"))
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
