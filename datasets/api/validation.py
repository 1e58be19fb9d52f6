"""Data validation API: references, schema versions (edit = new version), checks on demand, anomalies. Staff only."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from datasets.models import AnomalyKind, AnomalyState, ValidationSchema
from datasets.selectors.validation import anomaly_get, anomaly_list, schema_latest
from datasets.selectors.versions import dataset_get, version_get
from datasets.services.anomalies import anomaly_state_set
from datasets.services.validation_check import anomaly_dict, validation_check
from datasets.services.validation_reference import validation_reference_build
from datasets.services.validation_schema import validation_schema_edit


def schema_dict(schema: ValidationSchema) -> dict:
    return {
        "dataset": schema.dataset.name,
        "number": schema.number,
        "reference_version": schema.reference.version.number,
        "reference_rows": schema.reference.rows,
        "note": schema.note,
        "created_at": schema.created_at.isoformat(),
        "features": schema.features,
    }


class AnomalyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    model = serializers.CharField()
    kind = serializers.ChoiceField(choices=AnomalyKind.choices)
    feature = serializers.CharField()
    baseline = serializers.CharField()
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    figure = serializers.FloatField()
    threshold = serializers.FloatField()
    examples = serializers.ListField(child=serializers.JSONField())
    state = serializers.ChoiceField(choices=AnomalyState.choices)


class ReferenceBuildApi(APIView):
    """POST {dataset, version}: statistics of the version and a new inferred schema version."""

    permission_classes = [IsAdminUser]

    class ValidationReferenceInput(serializers.Serializer):
        dataset = serializers.SlugField(max_length=100)
        version = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)

    Input = ValidationReferenceInput

    @extend_schema(
        operation_id="validation_reference_build",
        request=ValidationReferenceInput,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        version = version_get(
            dataset=dataset_get(name=data.validated_data["dataset"]), number=data.validated_data["version"]
        )
        schema = validation_reference_build(version=version, user=request.user)
        return Response(schema_dict(schema), status=status.HTTP_201_CREATED)


class SchemaApi(APIView):
    """GET the latest (or ?number=) schema version; POST {features: {path: change | null}, note} makes a new one."""

    permission_classes = [IsAdminUser]

    class Query(serializers.Serializer):
        number = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)

    class ValidationSchemaEditInput(serializers.Serializer):
        features = serializers.DictField(child=serializers.JSONField(allow_null=True), allow_empty=False)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    Input = ValidationSchemaEditInput

    @extend_schema(operation_id="validation_schema_get", responses=OpenApiTypes.OBJECT)
    def get(self, request, name: str):
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            schema_dict(schema_latest(dataset=dataset_get(name=name), number=query.validated_data["number"]))
        )

    @extend_schema(
        operation_id="validation_schema_edit", request=ValidationSchemaEditInput, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request, name: str):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        schema = validation_schema_edit(
            schema=schema_latest(dataset=dataset_get(name=name)), changes=data.validated_data["features"],
            note=data.validated_data["note"], user=request.user,
        )  # fmt: skip
        return Response(schema_dict(schema), status=status.HTTP_201_CREATED)


class CheckApi(APIView):
    """POST {model, since?}: run a check now; the anomalies found (new or already raised) and `clean`."""

    permission_classes = [IsAdminUser]

    class ValidationCheckInput(serializers.Serializer):
        model = serializers.CharField(max_length=200)
        since = serializers.DateTimeField(required=False, allow_null=True, default=None)

    Input = ValidationCheckInput

    @extend_schema(operation_id="validation_check", request=ValidationCheckInput, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(validation_check(**data.validated_data).as_dict())


class AnomalyListApi(APIView):
    permission_classes = [IsAdminUser]

    class Query(serializers.Serializer):
        model = serializers.CharField(max_length=200, required=False, default=None)
        state = serializers.ChoiceField(choices=AnomalyState.choices, required=False, default=None)
        kind = serializers.ChoiceField(choices=AnomalyKind.choices, required=False, default=None)
        since = serializers.DateTimeField(required=False, default=None)
        limit = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=200)

    @extend_schema(operation_id="validation_anomalies", responses=AnomalyOutput(many=True))
    def get(self, request):
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        args = dict(query.validated_data)
        limit = args.pop("limit")
        return Response([anomaly_dict(a) for a in anomaly_list(**args)[:limit]])


class AnomalyStateApi(APIView):
    """POST {state}: acknowledge or resolve an anomaly (or reopen it)."""

    permission_classes = [IsAdminUser]

    class AnomalyStateInput(serializers.Serializer):
        state = serializers.ChoiceField(choices=AnomalyState.choices)

    Input = AnomalyStateInput

    @extend_schema(operation_id="validation_anomaly_state", request=AnomalyStateInput, responses=AnomalyOutput)
    def post(self, request, anomaly_id: int):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        anomaly = anomaly_state_set(
            anomaly=anomaly_get(anomaly_id=anomaly_id), state=data.validated_data["state"], user=request.user
        )
        return Response(anomaly_dict(anomaly))
