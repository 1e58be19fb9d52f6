"""Reads for data validation: which schema a model is checked against, anomalies, and the page's figures."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from config.exceptions import NotFoundError
from datasets.models import Anomaly, Dataset, ValidationSchema


def schema_latest(*, dataset: Dataset, number: int | None = None) -> ValidationSchema:
    schemas = ValidationSchema.objects.select_related("reference__version", "dataset").filter(dataset=dataset)
    schema = schemas.order_by("-number").first() if number is None else schemas.filter(number=number).first()
    if schema is None:
        raise NotFoundError(
            "No validation schema for this dataset", {"code": "no_schema", "dataset": dataset.name, "number": number}
        )
    return schema


def schema_for_model(*, model: str) -> ValidationSchema:
    """The newest schema of the datasets made from this model's direct labels (the training set it produced)."""
    schema = (
        ValidationSchema.objects.select_related("reference__version", "dataset")
        .filter(dataset__direct_model=model)
        .order_by("-created_at", "-pk")
        .first()
    )
    if schema is None:
        raise NotFoundError(
            "No validation reference for this model: build one from a dataset of its direct labels",
            {"code": "no_reference", "model": model},
        )
    return schema


def validated_models() -> list[str]:
    return sorted(
        set(ValidationSchema.objects.exclude(dataset__direct_model="").values_list("dataset__direct_model", flat=True))
    )


def anomaly_list(
    *, model: str | None = None, state: str | None = None, kind: str | None = None, since: datetime | None = None
) -> QuerySet[Anomaly]:
    anomalies = Anomaly.objects.all()
    if model:
        anomalies = anomalies.filter(model=model)
    if state:
        anomalies = anomalies.filter(state=state)
    if kind:
        anomalies = anomalies.filter(kind=kind)
    if since:
        anomalies = anomalies.filter(window_start__gte=since)
    return anomalies.order_by("-window_start", "kind", "feature")


def anomaly_get(*, anomaly_id: int) -> Anomaly:
    anomaly = Anomaly.objects.filter(pk=anomaly_id).first()
    if anomaly is None:
        raise NotFoundError("No such anomaly", {"code": "not_found", "anomaly": anomaly_id})
    return anomaly
