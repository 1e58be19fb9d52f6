"""Dataset API: definitions, builds (Celery) with progress, versions, diffs and streamed exports. Staff only."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from datasets.models import GoldPolicy
from datasets.selectors.drift import versions_diff
from datasets.selectors.versions import (
    dataset_get,
    dataset_list,
    dataset_versions_overview,
    version_get,
    version_summary_dict,
)
from datasets.services.build import dataset_build_start
from datasets.services.definitions import dataset_create, dataset_gold_policy_set
from datasets.services.export import CONTENT_TYPES, FORMATS, version_export_chunks


class DatasetOutput(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    project_ids = serializers.SerializerMethodField()
    direct_model = serializers.CharField()
    direct_rule_version = serializers.IntegerField(allow_null=True)
    label_from = serializers.DateTimeField(allow_null=True)
    label_to = serializers.DateTimeField(allow_null=True)
    min_confidence = serializers.FloatField(allow_null=True)
    instruction_versions = serializers.ListField(child=serializers.IntegerField())
    adjudicated_only = serializers.BooleanField()
    exclude_erased_users = serializers.BooleanField()
    train_fraction = serializers.FloatField()
    validation_fraction = serializers.FloatField()
    test_fraction = serializers.FloatField()
    split_seed = serializers.CharField()
    max_label_age = serializers.DurationField(allow_null=True)
    drift_threshold = serializers.FloatField()
    gold = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_project_ids(self, dataset) -> list[int]:
        return sorted(project.pk for project in dataset.projects.all())


class DatasetListApi(APIView):
    permission_classes = [IsAdminUser]

    class Input(serializers.Serializer):
        name = serializers.SlugField(max_length=100)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        project_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        direct_model = serializers.CharField(required=False, allow_blank=True, default="")
        direct_rule_version = serializers.IntegerField(required=False, allow_null=True, default=None)
        label_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
        label_to = serializers.DateTimeField(required=False, allow_null=True, default=None)
        min_confidence = serializers.FloatField(required=False, allow_null=True, default=None)
        instruction_versions = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        adjudicated_only = serializers.BooleanField(required=False, default=False)
        exclude_erased_users = serializers.BooleanField(required=False, default=True)
        train_fraction = serializers.FloatField(required=False, default=0.8)
        validation_fraction = serializers.FloatField(required=False, default=0.1)
        test_fraction = serializers.FloatField(required=False, default=0.1)
        split_seed = serializers.CharField(required=False, allow_blank=True, default="")
        max_label_age = serializers.DurationField(required=False, allow_null=True, default=None)
        drift_threshold = serializers.FloatField(required=False, default=0.1, min_value=0, max_value=1)
        gold = serializers.ChoiceField(
            choices=GoldPolicy.choices,
            required=False,
            default=GoldPolicy.EXCLUDE,
            help_text="Gold items: left out, or exported with their known answer flagged source 'gold'",
        )

    @extend_schema(operation_id="datasets_list", responses=DatasetOutput(many=True))
    def get(self, request):
        return Response(DatasetOutput(dataset_list(), many=True).data)

    @extend_schema(operation_id="datasets_create", request=Input, responses={201: DatasetOutput})
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = dataset_create(**data.validated_data, created_by=request.user)
        return Response(DatasetOutput(dataset).data, status=status.HTTP_201_CREATED)


class DatasetDetailApi(APIView):
    """GET the definition and its versions; PATCH the gold policy of later builds."""

    permission_classes = [IsAdminUser]

    class Input(serializers.Serializer):
        gold = serializers.ChoiceField(choices=GoldPolicy.choices)

    @extend_schema(operation_id="datasets_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, name: str):
        dataset = dataset_get(name=name)
        return Response({**DatasetOutput(dataset).data, "versions": dataset_versions_overview(dataset=dataset)})

    @extend_schema(operation_id="datasets_update", request=Input, responses=DatasetOutput)
    def patch(self, request, name: str):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = dataset_gold_policy_set(dataset=dataset_get(name=name), gold=data.validated_data["gold"])
        return Response(DatasetOutput(dataset).data)


class VersionBuildApi(APIView):
    """POST starts a build in Celery; poll the version for `status` and `progress`."""

    permission_classes = [IsAdminUser]

    @extend_schema(operation_id="datasets_versions_build", request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request, name: str):
        version = dataset_build_start(dataset=dataset_get(name=name))
        return Response(version_summary_dict(version=version), status=status.HTTP_202_ACCEPTED)


class VersionDetailApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(operation_id="datasets_versions_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, name: str, number: int):
        version = version_get(dataset=dataset_get(name=name), number=number)
        return Response({**version_summary_dict(version=version), "definition": version.definition})


class VersionExportApi(APIView):
    """The export streamed in chunks (one Parquet row group per page of rows)."""

    permission_classes = [IsAdminUser]

    @extend_schema(operation_id="datasets_versions_export", responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request, name: str, number: int, file_format: str):
        version = version_get(dataset=dataset_get(name=name), number=number)
        if file_format not in FORMATS:
            return Response(
                {"message": "Unknown export format", "extra": {"formats": list(FORMATS)}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        chunks = version_export_chunks(version=version, fmt=file_format)
        response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[file_format])
        filename = f"{version.dataset.name}-v{version.number}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-SHA256"] = version.content_hash
        return response


class VersionDiffApi(APIView):
    permission_classes = [IsAdminUser]

    class Input(serializers.Serializer):
        old = serializers.IntegerField(min_value=1)
        new = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="datasets_diff",
        parameters=[
            OpenApiParameter("old", int, required=True, description="Older version number"),
            OpenApiParameter("new", int, description="Newer version number (default: latest ready)"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, name: str):
        data = self.Input(data=request.query_params)
        data.is_valid(raise_exception=True)
        dataset = dataset_get(name=name)
        old = version_get(dataset=dataset, number=data.validated_data["old"])
        new = version_get(dataset=dataset, number=data.validated_data["new"])
        return Response(versions_diff(old=old, new=new))
