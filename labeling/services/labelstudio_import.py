"""A Label Studio task file in one import: its tasks become items and their predictions are stored with them.

Items go through `items_import` and predictions through `predictions_import` (each table keeps its one
write path and its validation), in one transaction: a bad prediction refuses the whole file, naming the
task, and nothing is stored. Label Studio predictions name a `model_version` but no model, so the model
name is always given by the caller; the version is the caller's (it also covers predictions that name
none), else the one the file's predictions name.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from config.exceptions import ApplicationError
from config.input_guard import json_loads
from labeling.models import Project
from labeling.services.item_formats import records_from_file
from labeling.services.items import ItemImportResult, items_import
from labeling.services.prediction_formats import labelstudio_task_rows, labelstudio_versions
from labeling.services.predictions import predictions_import


@dataclass
class LabelStudioImportResult:
    items: ItemImportResult
    predictions: int = 0
    model: str | None = None
    version: str | None = None


def _version(tasks: object, model_version: str | None) -> str:
    if model_version is not None:
        return model_version
    versions, unnamed = labelstudio_versions(tasks)
    if unnamed:
        raise ApplicationError(
            f"Task {unnamed[0]} has a prediction with no model_version; pass --model-version "
            "(or --no-predictions). Nothing was stored.",
            {"code": "invalid_predictions", "errors": [{"index": unnamed[0], "field": "model_version"}]},
        )
    if len(versions) > 1:
        raise ApplicationError(
            f"The predictions are of several model versions ({', '.join(sorted(versions))}); pass --model-version "
            "to choose one. Nothing was stored.",
            {"code": "invalid_predictions", "versions": sorted(versions)},
        )
    return versions.pop()


@transaction.atomic
def labelstudio_tasks_import(
    *,
    project: Project,
    data: bytes,
    model: str | None,
    model_version: str | None = None,
    predictions: bool = True,
    progress: Callable[[int], None] | None = None,
) -> LabelStudioImportResult:
    """Import the tasks as items and, unless `predictions` is False, their predictions (all or nothing).

    Raises ApplicationError (`invalid_predictions`, `errors` [{index: task index, field, message}]) when a
    prediction is bad or its model or version is not known; the items are rolled back with it.
    """
    result = LabelStudioImportResult(
        items=items_import(
            project=project, records=records_from_file(io.BytesIO(data), "labelstudio"), progress=progress
        )
    )
    if not predictions:
        return result
    tasks = json_loads(data, field="file")
    if not any(True for _ in labelstudio_task_rows(tasks, model_version=None)):
        return result
    if model is None or not model.strip():
        raise ApplicationError(
            "The tasks have predictions, and Label Studio names no model: pass --model NAME (or --no-predictions). "
            "Nothing was stored.",
            {"code": "invalid_predictions", "fields": {"model": "Required when the tasks have predictions."}},
        )
    version = _version(tasks, model_version)
    indexed = list(labelstudio_task_rows(tasks, model_version=version, unnamed_too=True))
    if not indexed:
        raise ApplicationError(
            f"No task has a prediction of model_version {version!r}. Nothing was stored.",
            {"code": "invalid_predictions", "errors": []},
        )
    task_of = [index for index, _ in indexed]
    try:
        result.predictions = predictions_import(
            project=project, model=model, version=version, rows=[r for _, r in indexed]
        )
    except ApplicationError as exc:
        errors = [{**e, "index": task_of[e["index"]]} for e in exc.extra.get("errors", [])]
        if not errors:
            raise
        first = errors[0]
        field = f" {first['field']}" if first["field"] else ""
        raise ApplicationError(
            f"Task {first['index']} prediction{field}: {first['message']} "
            f"({exc.extra.get('error_count', len(errors))} problem(s) in the predictions; nothing was stored.)",
            {**exc.extra, "errors": errors},
        ) from exc
    result.model, result.version = model, version
    return result
