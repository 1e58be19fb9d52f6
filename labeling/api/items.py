"""Item import (JSON list or a CSV / JSONL / Label Studio file) and listing, for staff and managers."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.exceptions import ApplicationError, ForbiddenError
from config.input_guard import BoundedJSONParser
from labeling.api.pagination import DefaultPagination
from labeling.models import Item, ItemOverlapDecision, Project
from labeling.selectors.items import item_list
from labeling.selectors.projects import project_get_for_user, user_can_manage, user_can_review
from labeling.services.item_formats import FORMATS, format_guess, records_from_file, upload_size_check
from labeling.services.items import items_import


class OverlapDecisionOutputSerializer(serializers.ModelSerializer):
    """The last adaptive-overlap decision on an item: outcome, why, the posterior and raters used."""

    class Meta:
        model = ItemOverlapDecision
        fields = [
            "outcome",
            "reason",
            "method",
            "label",
            "confidence",
            "posterior",
            "raters_used",
            "machine_counted",
            "machine_rater",
            "slots_opened",
            "decided_at",
        ]


class ItemOutputSerializer(serializers.ModelSerializer):
    overlap_decision = serializers.SerializerMethodField()

    @extend_schema_field(OverlapDecisionOutputSerializer(allow_null=True))
    def get_overlap_decision(self, item: Item) -> dict | None:
        decision = getattr(item, "overlap_decision", None)  # select_related by item_list; None under fixed overlap
        return None if decision is None else OverlapDecisionOutputSerializer(decision).data

    class Meta:
        model = Item
        fields = [
            "id",
            "external_id",
            "content_hash",
            "payload",
            "priority",
            "is_gold",
            "gold_value",
            "gold_explanation",
            "is_exam",
            "is_practice",
            "slots_open",
            "annotation_count",
            "created_at",
            "overlap_decision",
        ]


class ItemImportInputSerializer(serializers.Serializer):
    """Either `records` (a JSON list; a bare list body works too) or a `file` with an optional `format`."""

    records = serializers.ListField(child=serializers.JSONField(), required=False)
    file = serializers.FileField(required=False)
    format = serializers.ChoiceField(choices=FORMATS, required=False)


class ItemImportOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())


class ItemListImportApi(generics.ListAPIView):
    serializer_class = ItemOutputSerializer
    pagination_class = DefaultPagination
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    accepts_json_list = True  # a bare JSON list of records

    def _project(self, *, manage: bool) -> Project:
        project = project_get_for_user(project_id=self.kwargs["project_id"], user=self.request.user)
        allowed = (user_can_manage if manage else user_can_review)(project=project, user=self.request.user)
        if not allowed:
            raise ForbiddenError("Only staff and project managers may do this.", extra={"code": "staff_only"})
        return project

    @extend_schema(parameters=[OpenApiParameter("is_gold", bool, required=False)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        project = self._project(manage=False)
        is_gold = self.request.query_params.get("is_gold")
        return item_list(project=project, is_gold=None if is_gold is None else is_gold.lower() in {"1", "true"})

    @extend_schema(request=ItemImportInputSerializer, responses={200: ItemImportOutputSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = self._project(manage=True)
        # Check the declared size before the body is parsed or spooled to disk.
        content_length = request.META.get("CONTENT_LENGTH")
        upload_size_check(int(content_length) if content_length and content_length.isdigit() else None)
        if isinstance(request.data, list):
            records = request.data
        else:
            data = ItemImportInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            upload = data.validated_data.get("file")
            if upload is not None:
                upload_size_check(upload.size)
                fmt = data.validated_data.get("format") or format_guess(upload.name or "")
                records = records_from_file(upload.file, fmt)
            elif "records" in data.validated_data:
                records = data.validated_data["records"]
            else:
                raise ApplicationError(
                    'Send a JSON list of records, {"records": [...]}, or a file.',
                    extra={"code": "no_records", "fields": {"records": "Required."}},
                )
        result = items_import(project=project, records=records, all_or_nothing=True)
        return Response(
            ItemImportOutputSerializer(
                {
                    "created": result.created,
                    "duplicates": result.duplicates,
                    "error_count": result.error_count,
                    "errors": result.errors,
                }
            ).data
        )
