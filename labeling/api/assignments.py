"""The rater's loop: next task, submit, skip. Gold items look exactly like any other task here.

A rater's only handle on a task is its opaque `task_id` (random, see docs/adr/0008-gold-stays-blind.md):
no item or assignment id, count or order number reaches the rater.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.models import Annotation, Assignment
from labeling.selectors.projects import project_get_for_user
from labeling.services.annotations import task_skip, task_submit
from labeling.services.next_task import task_next
from labeling.services.suggestions import lease_suggestion


class TaskOutputSerializer(serializers.Serializer):
    """A lease as the rater sees it. Never add is_gold, gold_value, ids, counts or other raters' work here."""

    task_id = serializers.UUIDField()
    project_id = serializers.IntegerField()
    payload = serializers.JSONField(source="item.payload")
    leased_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    instruction_version = serializers.IntegerField(source="instruction_version.version", allow_null=True)
    # The model's pre-annotation, only when the project shows them and this item is not in the control arm.
    suggestion = serializers.JSONField(required=False, allow_null=True, default=None)
    # Set only on a rework (a label a reviewer sent back); the same keys, null, on every other task, so the
    # response never says whether an answer was drawn for review.
    review_comment = serializers.SerializerMethodField()
    previous_value = serializers.SerializerMethodField()

    def get_review_comment(self, task) -> str | None:
        return getattr(task, "review_comment", None)

    @extend_schema_field(OpenApiTypes.ANY)
    def get_previous_value(self, task) -> object:
        return getattr(task, "previous_value", None)


class SubmitInputSerializer(serializers.Serializer):
    value = serializers.JSONField()
    time_spent_ms = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="The client's own figure; a hint only."
    )
    instruction_version = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="The instructions version the rater saw."
    )


class AnnotationOutputSerializer(serializers.ModelSerializer):
    """An annotation as staff and the project's managers/reviewers see it (ids included)."""

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
            "client_time_spent_ms",
            "source",
            "created_at",
        ]


class RaterAnnotationOutputSerializer(serializers.ModelSerializer):
    """A rater's own annotation: the task id instead of item and assignment ids."""

    task_id = serializers.UUIDField(source="assignment.task_id", allow_null=True)
    instruction_version = serializers.IntegerField(source="instruction_version.version", allow_null=True)

    class Meta:
        model = Annotation
        fields = ["id", "project", "task_id", "value", "instruction_version", "time_spent_ms", "source", "created_at"]


class SkipInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="One of the project's skip codes, or other."
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Text; required with code other (the default)."
    )


class SkipOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["task_id", "status", "skip_code", "skip_reason", "closed_at"]


class TaskNextApi(APIView):
    @extend_schema(
        request=None,
        responses={200: TaskOutputSerializer, 204: OpenApiResponse(description="Nothing left for you to label.")},
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        assignment = task_next(project=project, rater=request.user)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        suggestion = lease_suggestion(assignment=assignment)
        return Response({**TaskOutputSerializer(assignment).data, "suggestion": suggestion})


class TaskSubmitApi(APIView):
    @extend_schema(
        request=SubmitInputSerializer,
        responses={
            201: RaterAnnotationOutputSerializer,
            404: OpenApiResponse(description="task_not_found: unknown, or not yours."),
            409: OpenApiResponse(description="already_submitted, lease_expired, or instructions_changed."),
        },
    )
    def post(self, request: Request, task_id: str) -> Response:
        data = SubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = task_submit(
            task_id=task_id,
            rater=request.user,
            value=data.validated_data["value"],
            time_spent_ms=data.validated_data.get("time_spent_ms"),
            instruction_version=data.validated_data.get("instruction_version"),
            source="api",
        )
        return Response(RaterAnnotationOutputSerializer(annotation).data, status=status.HTTP_201_CREATED)


class TaskSkipApi(APIView):
    @extend_schema(request=SkipInputSerializer, responses={200: SkipOutputSerializer})
    def post(self, request: Request, task_id: str) -> Response:
        data = SkipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = task_skip(
            task_id=task_id,
            rater=request.user,
            reason=data.validated_data.get("reason", ""),
            code=data.validated_data.get("code") or None,
        )
        return Response(SkipOutputSerializer(assignment).data)
