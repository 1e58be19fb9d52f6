"""Resolution, adjudication, agreement and import endpoints. Thin: check access, call one service/selector.

Raters never reach these: every read of labels across raters needs staff or a reviewer/manager role.
"""

from __future__ import annotations

import io

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ForbiddenError, NotFoundError
from config.openapi import PAGINATION_PARAMETERS, paginated
from labeling.api.items import OverlapDecisionOutputSerializer
from labeling.api.pagination import DefaultPagination
from labeling.api.resolution_serializers import (
    AdjudicateInputSerializer,
    AnnotationImportInputSerializer,
    BootstrapQuerySerializer,
    ResolutionOutputSerializer,
    ResolveInputSerializer,
)
from labeling.models import Project
from labeling.selectors.agreement import (
    agreement_report,
    confusion_matrix,
    machine_reliability,
    project_report,
    rater_reliability,
)
from labeling.selectors.items import item_get_for_user, item_overlap_decision
from labeling.selectors.overlap import project_overlap_summary
from labeling.selectors.projects import project_get_for_user, user_can_manage, user_can_review
from labeling.selectors.resolution import adjudication_queue, resolution_history
from labeling.services.adjudication import resolution_adjudicate
from labeling.services.annotation_import import annotations_import, read_table
from labeling.services.resolution import project_resolve


def _reviewable_project(request: Request, project_id: int) -> Project:
    project = project_get_for_user(project_id=project_id, user=request.user)
    if not user_can_review(project=project, user=request.user):
        raise ForbiddenError("Only staff or the project's reviewers and managers may see agreement and resolutions.")
    return project


MACHINE_PARAM = OpenApiParameter(
    "include_machine", bool, description="Count the project's model rater too (default: people only)"
)
BOOTSTRAP_PARAM = OpenApiParameter("bootstrap", int, description="Bootstrap draws for the alpha CI (default 1000)")


def _bootstrap(request: Request) -> int:
    query = BootstrapQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["bootstrap"]


class AgreementReportApi(APIView):
    """Krippendorff's alpha with a bootstrap CI, percent agreement, per rater / pair / version: regular items only."""

    @extend_schema(parameters=[BOOTSTRAP_PARAM, MACHINE_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = _reviewable_project(request, project_id)
        include_machine = request.query_params.get("include_machine", "").lower() in {"1", "true", "yes"}
        return Response(
            agreement_report(project=project, bootstrap=_bootstrap(request), include_machine=include_machine)
        )


class ProjectReportApi(APIView):
    """Alpha over regular items, the consensus method, consensus accuracy, and raters' accuracy on gold."""

    @extend_schema(parameters=[BOOTSTRAP_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = _reviewable_project(request, project_id)
        return Response(project_report(project=project, bootstrap=_bootstrap(request)))


class ConfusionMatrixApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        return Response(confusion_matrix(project=_reviewable_project(request, project_id)))


class RaterReliabilityApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = _reviewable_project(request, project_id)
        reliability = rater_reliability(project=project)
        return Response(
            {
                "reliability": {str(k): round(v, 4) for k, v in reliability.items()},
                # A model counted as a rater: listed apart, marked, never among the people above.
                "machine_raters": machine_reliability(project=project),
            }
        )


class AdjudicationQueueApi(APIView):
    @extend_schema(
        responses=paginated(ResolutionOutputSerializer, "PaginatedAdjudicationQueue"), parameters=PAGINATION_PARAMETERS
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = _reviewable_project(request, project_id)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(adjudication_queue(project=project), request, view=self)
        return paginator.get_paginated_response(ResolutionOutputSerializer(page, many=True).data)


class ProjectResolveApi(APIView):
    """Refit and resolve the whole project: queued to Celery, or now (`run: now`) for small projects."""

    @extend_schema(request=ResolveInputSerializer, responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        if not user_can_manage(project=project, user=request.user):
            raise ForbiddenError("Only staff or the project's managers may resolve it.")
        body = ResolveInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        method = body.validated_data.get("method")
        if body.validated_data["run"] == "now":
            summary = project_resolve(project=project, method=method)
            return Response(summary.as_dict(), status=status.HTTP_200_OK)
        from labeling.tasks import resolve_project

        transaction.on_commit(lambda: resolve_project.delay(project.pk, method))
        return Response({"queued": True, "project_id": project.pk}, status=status.HTTP_202_ACCEPTED)


class ResolutionAdjudicateApi(APIView):
    @extend_schema(request=AdjudicateInputSerializer, responses=ResolutionOutputSerializer)
    def post(self, request: Request, resolution_id: int) -> Response:
        body = AdjudicateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        resolution = resolution_adjudicate(
            resolution_id=resolution_id,
            reviewer=request.user,
            label=body.validated_data["label"],
            rationale=body.validated_data["rationale"],
        )
        return Response(ResolutionOutputSerializer(resolution).data, status=status.HTTP_201_CREATED)


class ItemResolutionHistoryApi(APIView):
    @extend_schema(responses=ResolutionOutputSerializer(many=True))
    def get(self, request: Request, item_id: int) -> Response:
        item = item_get_for_user(item_id=item_id, user=request.user)
        _reviewable_project(request, item.project_id)
        return Response(ResolutionOutputSerializer(resolution_history(item=item), many=True).data)


class ItemOverlapDecisionApi(APIView):
    """The item's last adaptive-overlap decision (404 `no_overlap_decision` before the first label)."""

    @extend_schema(responses=OverlapDecisionOutputSerializer)
    def get(self, request: Request, item_id: int) -> Response:
        item = item_get_for_user(item_id=item_id, user=request.user)
        _reviewable_project(request, item.project_id)
        decision = item_overlap_decision(item=item)
        if decision is None:
            raise NotFoundError("No overlap decision for this item.", extra={"code": "no_overlap_decision"})
        return Response(OverlapDecisionOutputSerializer(decision).data)


class ProjectOverlapSummaryApi(APIView):
    """Adaptive overlap on the project: items by stop reason, raters used, labels spent against the maximum."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = _reviewable_project(request, project_id)
        return Response(project_overlap_summary(project=project))


class AnnotationImportApi(APIView):
    """Staff only: upload crowd labels (CSV item,rater,value) and optional gold (CSV item,value)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=AnnotationImportInputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        if not request.user.is_staff:
            raise ForbiddenError("Only staff may import annotations.")
        body = AnnotationImportInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        delimiter = data.get("delimiter")

        def sep(upload) -> str:
            return delimiter or ("\t" if upload.name.endswith((".tsv", ".tab")) else ",")

        columns = data["columns"].split(",") if data.get("columns") else None
        gold_column = data.get("gold_column")
        rows = read_table(
            io.TextIOWrapper(data["file"].file, encoding="utf-8"),
            columns=columns,
            delimiter=sep(data["file"]),
            extra=[gold_column] if gold_column else None,
        )
        gold = None
        if gold_column:
            gold = rows[["item", gold_column]].rename(columns={gold_column: "value"})
            rows = rows.drop(columns=[gold_column])
        if data.get("gold") is not None:
            gold = read_table(
                io.TextIOWrapper(data["gold"].file, encoding="utf-8"),
                names=("item", "value"),
                delimiter=sep(data["gold"]),
            )
        summary = annotations_import(
            project_name=data["project"],
            rows=rows,
            gold=gold,
            create=data["create"],
            label_type=data.get("label_type"),
            categories=[c.strip() for c in data["categories"].split(",")] if data.get("categories") else None,
            method=data.get("method"),
            duplicates=data["duplicates"],
            gold_is_qc=data["gold_is_qc"],
            user=request.user,
        )
        return Response(summary.as_dict(), status=status.HTTP_201_CREATED)
