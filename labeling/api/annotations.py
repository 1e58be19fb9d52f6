"""Annotation listing. A rater sees only their own; staff everything; managers/reviewers their projects."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from config.exceptions import ApplicationError
from labeling.api.assignments import AnnotationOutputSerializer
from labeling.api.pagination import DefaultPagination
from labeling.selectors.annotations import annotation_list_for_user, annotation_projects_with_ids_for_user

_STAFF_ONLY = ("item", "rater", "assignment", "client_time_spent_ms")


class AnnotationListOutputSerializer(AnnotationOutputSerializer):
    """Ids for staff and the project's managers/reviewers; for a rater's own row, the task id instead."""

    task_id = serializers.UUIDField(source="assignment.task_id", allow_null=True, read_only=True)

    class Meta(AnnotationOutputSerializer.Meta):
        fields = [*AnnotationOutputSerializer.Meta.fields, "task_id"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        with_ids = self.context.get("with_ids")
        if with_ids is not None and instance.project_id not in with_ids:
            for name in _STAFF_ONLY:
                data.pop(name, None)
        return data


@extend_schema(parameters=[OpenApiParameter("project", int, required=False, description="Only this project.")])
class AnnotationListApi(generics.ListAPIView):
    serializer_class = AnnotationListOutputSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        project = self.request.query_params.get("project")
        if project is not None and not project.isdigit():
            raise ApplicationError(
                "project must be an integer id.", extra={"code": "invalid_filter", "fields": {"project": "Integer."}}
            )
        return annotation_list_for_user(user=self.request.user, project_id=int(project) if project else None)

    def get_serializer_context(self) -> dict:
        return {
            **super().get_serializer_context(),
            "with_ids": annotation_projects_with_ids_for_user(user=self.request.user),
        }
