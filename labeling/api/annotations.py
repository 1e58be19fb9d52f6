"""Annotation listing. A rater sees only their own; staff everything; managers/reviewers their projects."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from config.exceptions import ApplicationError
from labeling.api.assignments import AnnotationOutputSerializer
from labeling.api.pagination import DefaultPagination
from labeling.selectors.annotations import annotation_list_for_user


@extend_schema(parameters=[OpenApiParameter("project", int, required=False, description="Only this project.")])
class AnnotationListApi(generics.ListAPIView):
    serializer_class = AnnotationOutputSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        project = self.request.query_params.get("project")
        if project is not None and not project.isdigit():
            raise ApplicationError(
                "project must be an integer id.", extra={"code": "invalid_filter", "fields": {"project": "Integer."}}
            )
        return annotation_list_for_user(user=self.request.user, project_id=int(project) if project else None)
