"""The rater's loop: next task, submit, skip. Gold items look exactly like any other task here."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.models import Annotation, Assignment
from labeling.selectors.projects import project_get_for_user
from labeling.services.annotations import annotation_submit, assignment_skip
from labeling.services.assignment import assignment_lease_next


class TaskOutputSerializer(serializers.Serializer):
    """A lease as the rater sees it. Never add is_gold, gold_value, counts or other raters' work here."""

    assignment_id = serializers.IntegerField(source="id")
    project_id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    payload = serializers.JSONField(source="item.payload")
    leased_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    instruction_version = serializers.IntegerField(source="instruction_version.version", allow_null=True)


class SubmitInputSerializer(serializers.Serializer):
    value = serializers.JSONField()
    time_spent_ms = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class AnnotationOutputSerializer(serializers.ModelSerializer):
    instruction_version = serializers.IntegerField(source="instruction_version.version", allow_null=True)

    class Meta:
        model = Annotation
        fields = [
            "id",
            "project",
            "item",
            "rater",
            "assignment",
            "value",
            "instruction_version",
            "time_spent_ms",
            "source",
            "created_at",
        ]


class SkipInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SkipOutputSerializer(serializers.ModelSerializer):
    assignment_id = serializers.IntegerField(source="id")

    class Meta:
        model = Assignment
        fields = ["assignment_id", "status", "skip_reason", "closed_at"]


class TaskNextApi(APIView):
    @extend_schema(
        request=None,
        responses={200: TaskOutputSerializer, 204: OpenApiResponse(description="Nothing left for you to label.")},
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        assignment = assignment_lease_next(project=project, rater=request.user)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(TaskOutputSerializer(assignment).data)


class AssignmentSubmitApi(APIView):
    @extend_schema(request=SubmitInputSerializer, responses={201: AnnotationOutputSerializer})
    def post(self, request: Request, assignment_id: int) -> Response:
        data = SubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = annotation_submit(
            assignment_id=assignment_id,
            rater=request.user,
            value=data.validated_data["value"],
            time_spent_ms=data.validated_data.get("time_spent_ms"),
            source="api",
        )
        return Response(AnnotationOutputSerializer(annotation).data, status=status.HTTP_201_CREATED)


class AssignmentSkipApi(APIView):
    @extend_schema(request=SkipInputSerializer, responses={200: SkipOutputSerializer})
    def post(self, request: Request, assignment_id: int) -> Response:
        data = SkipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = assignment_skip(
            assignment_id=assignment_id, rater=request.user, reason=data.validated_data["reason"]
        )
        return Response(SkipOutputSerializer(assignment).data)
