"""Serializers for resolution, adjudication, agreement and import endpoints."""

from __future__ import annotations

from rest_framework import serializers

from labeling.models import AggregationMethod, LabelType, Resolution
from labeling.services.annotation_import import DUPLICATE_POLICIES


class ResolutionOutputSerializer(serializers.ModelSerializer):
    item_external_id = serializers.CharField(source="item.external_id", read_only=True, allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Resolution
        fields = [
            "id",
            "project",
            "item",
            "item_external_id",
            "kind",
            "method",
            "label",
            "confidence",
            "distribution",
            "annotation_count",
            "needs_adjudication",
            "adjudication_reason",
            "decided_by",
            "rationale",
            "supersedes",
            "is_current",
            "created_at",
        ]


class AdjudicateInputSerializer(serializers.Serializer):
    label = serializers.JSONField()
    rationale = serializers.CharField(allow_blank=True, trim_whitespace=True)


class ResolveInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=AggregationMethod.values, required=False)
    run = serializers.ChoiceField(choices=["async", "now"], default="async")


class BootstrapQuerySerializer(serializers.Serializer):
    bootstrap = serializers.IntegerField(min_value=0, max_value=10_000, default=1000)


class AnnotationImportInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    project = serializers.CharField(max_length=200)
    gold = serializers.FileField(required=False)
    create = serializers.BooleanField(default=False)
    label_type = serializers.ChoiceField(choices=LabelType.values, required=False)
    categories = serializers.CharField(required=False, help_text="Comma-separated, in order")
    method = serializers.ChoiceField(choices=AggregationMethod.values, required=False)
    duplicates = serializers.ChoiceField(choices=DUPLICATE_POLICIES, default="error")
    columns = serializers.CharField(required=False, help_text="Source columns for item,rater,value")
    gold_column = serializers.CharField(required=False)
    delimiter = serializers.CharField(required=False, max_length=2, trim_whitespace=False)
    gold_is_qc = serializers.BooleanField(default=False)
