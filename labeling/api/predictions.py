"""Model predictions (import, list), the project's model options, and resolved labels for retraining.

Staff and the project's managers import predictions and change options; reviewers may read. Raters
never reach these endpoints: a prediction is another rater's answer as far as blinding goes.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ForbiddenError
from config.openapi import PAGINATION_PARAMETERS, paginated
from labeling.api.pagination import DefaultPagination
from labeling.models import ActiveLearning, ModelSettings, Project
from labeling.selectors.model_settings import model_settings_get
from labeling.selectors.predictions import (
    active_learning_streams,
    labels_resolved_since,
    prediction_counts,
    prediction_list,
    suggestion_keep_rates,
)
from labeling.selectors.projects import project_get_for_user, user_can_manage, user_can_review
from labeling.services.model_settings import model_settings_update
from labeling.services.prediction_formats import parse_since
from labeling.services.predictions import predictions_import


def _project(request: Request, project_id: int, *, manage: bool) -> Project:
    project = project_get_for_user(project_id=project_id, user=request.user)
    allowed = (user_can_manage if manage else user_can_review)(project=project, user=request.user)
    if not allowed:
        raise ForbiddenError("Only staff and project managers may do this.", extra={"code": "staff_only"})
    return project


class PredictionImportInputSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=100)
    version = serializers.CharField(max_length=100)
    predictions = serializers.ListField(child=serializers.JSONField(), allow_empty=False, max_length=200_000)


class PredictionImportOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    model = serializers.CharField()
    version = serializers.CharField()


class PredictionOutputSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.external_id")
    model = serializers.CharField()
    version = serializers.CharField()
    value = serializers.JSONField()
    score = serializers.FloatField(allow_null=True)
    probabilities = serializers.JSONField(allow_null=True)
    created_at = serializers.DateTimeField()


class PredictionListImportApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("model", str, required=False),
            OpenApiParameter("version", str, required=False),
            *PAGINATION_PARAMETERS,
        ],
        responses=paginated(PredictionOutputSerializer, "PaginatedPredictions"),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = _project(request, project_id, manage=False)
        rows = prediction_list(
            project=project, model=request.query_params.get("model"), version=request.query_params.get("version")
        )
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(PredictionOutputSerializer(page, many=True).data)

    @extend_schema(request=PredictionImportInputSerializer, responses={201: PredictionImportOutputSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = _project(request, project_id, manage=True)
        data = PredictionImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = predictions_import(
            project=project,
            model=data.validated_data["model"],
            version=data.validated_data["version"],
            rows=data.validated_data["predictions"],
        )
        return Response(
            {
                "created": created,
                "model": data.validated_data["model"].strip(),
                "version": data.validated_data["version"].strip(),
            },
            status=status.HTTP_201_CREATED,
        )


class ResolvedLabelOutputSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.external_id", allow_null=True)
    item_id = serializers.IntegerField()
    value = serializers.JSONField(source="label")
    method = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    resolved_at = serializers.DateTimeField(source="created_at")


class ResolvedLabelsApi(APIView):
    """Settled labels of regular items decided after `since`, oldest first: poll with the last `resolved_at`."""

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, required=False, description="RFC 3339 timestamp"),
            *PAGINATION_PARAMETERS,
        ],
        responses=paginated(ResolvedLabelOutputSerializer, "PaginatedResolvedLabels"),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = _project(request, project_id, manage=False)
        rows = labels_resolved_since(project=project, since=parse_since(request.query_params.get("since")))
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ResolvedLabelOutputSerializer(page, many=True).data)


class ModelSettingsSerializer(serializers.ModelSerializer):
    active_learning = serializers.ChoiceField(choices=ActiveLearning.choices, required=False)

    class Meta:
        model = ModelSettings
        fields = [
            "rater_model",
            "rater_version",
            "source_model",
            "source_version",
            "preannotations",
            "preannotation_control_share",
            "active_learning",
            "active_learning_random_share",
        ]
        extra_kwargs = {
            "preannotation_control_share": {"min_value": 0.0, "max_value": 1.0},
            "active_learning_random_share": {"min_value": 0.0, "max_value": 1.0},
        }


class ModelSettingsApi(APIView):
    """A project's use of model predictions, and the figures that measure it."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = _project(request, project_id, manage=False)
        return Response(
            {
                **ModelSettingsSerializer(model_settings_get(project=project)).data,
                "predictions": prediction_counts(project=project),
                "suggestion_keep_rates": suggestion_keep_rates(project=project),
                "active_learning_streams": active_learning_streams(project=project),
            }
        )

    @extend_schema(request=ModelSettingsSerializer, responses=ModelSettingsSerializer)
    def patch(self, request: Request, project_id: int) -> Response:
        project = _project(request, project_id, manage=True)
        data = ModelSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        row = model_settings_update(project=project, **data.validated_data)
        return Response(ModelSettingsSerializer(row).data)
