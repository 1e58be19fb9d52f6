"""Payloads of `dataset.version_built` and `validation.anomaly` (docs/webhooks.md)."""

from __future__ import annotations

from config.outbox.services import event_emit
from datasets.models import Anomaly, DatasetVersion


def version_built_emit(*, version_id: int) -> None:
    version = DatasetVersion.objects.select_related("dataset").get(pk=version_id)
    project_ids = sorted(version.dataset.projects.values_list("id", flat=True))
    event_emit(
        "dataset.version_built",
        {
            "dataset_id": version.dataset_id,
            "dataset_name": version.dataset.name,
            "version_id": version.pk,
            "number": version.number,
            "parent_id": version.parent_id,
            "row_count": version.row_count,
            "split_counts": version.split_counts,
            "label_counts": version.label_counts,
            "source_counts": version.source_counts,
            "content_hash": version.content_hash,
            "project_ids": project_ids,
            "built_at": version.built_at.isoformat().replace("+00:00", "Z") if version.built_at else None,
        },
        # A project filter matches a dataset of that one project; a dataset of several goes to unfiltered endpoints.
        project_id=project_ids[0] if len(project_ids) == 1 else None,
    )


def _rfc3339(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def anomaly_raised_emit(*, anomaly: Anomaly) -> None:
    """`validation.anomaly`: one event per new anomaly, in the transaction that created it."""
    schema = anomaly.schema
    dataset = schema.dataset
    project_ids = sorted(dataset.projects.values_list("id", flat=True))
    event_emit(
        "validation.anomaly",
        {
            "anomaly_id": anomaly.pk,
            "model": anomaly.model,
            "kind": anomaly.kind,
            "feature": anomaly.feature,
            "baseline": anomaly.baseline,
            "window_start": _rfc3339(anomaly.window_start),
            "window_end": _rfc3339(anomaly.window_end),
            "figure": anomaly.figure,
            "threshold": anomaly.threshold,
            "examples": anomaly.examples,
            "state": anomaly.state,
            "dataset_name": dataset.name,
            "schema_version": schema.number,
            "project_ids": project_ids,
        },
        project_id=project_ids[0] if len(project_ids) == 1 else None,
    )
