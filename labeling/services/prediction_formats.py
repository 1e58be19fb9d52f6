"""Prediction files: CSV (`item,value,score` and `p:<label>` columns), JSON lines, Label Studio tasks.

Each parser yields rows shaped like the API's (`{"item", "value", "score", "probabilities"}`), so one
validation (`labeling.services.predictions.predictions_import`) judges every source. A row a parser
cannot read becomes a row with an `_error` the import reports with its index, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from config.exceptions import ApplicationError
from config.input_guard import InputRejected, csv_rows, json_loads, text_stream

FORMATS = ("csv", "jsonl", "labelstudio")


def _number_or_none(text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return text  # reported by the import as "score must be a number"


def parse_csv(stream: IO) -> Iterator[dict]:
    rows = csv_rows(stream)
    header = next(rows, None)
    if not header or "item" not in header or "value" not in header:
        raise ApplicationError(
            "The CSV needs a header with item and value columns (score and p:<label> optional).",
            {"code": "invalid_file"},
        )
    unknown = [h for h in header if h not in ("item", "value", "score") and not h.startswith("p:")]
    if unknown:
        raise ApplicationError(f"Unknown CSV columns: {', '.join(unknown)}.", {"code": "invalid_file"})
    proba_columns = [(i, h[2:]) for i, h in enumerate(header) if h.startswith("p:")]
    at = {h: i for i, h in enumerate(header)}
    for cells in rows:
        if len(cells) != len(header):
            yield {"_error": f"expected {len(header)} columns, got {len(cells)}"}
            continue
        # The label as text: the import reads it against the project's categories (`value_from_text`).
        record: dict[str, Any] = {"item": cells[at["item"]], "value_text": cells[at["value"]]}
        if "score" in at:
            record["score"] = _number_or_none(cells[at["score"]])
        if proba_columns:
            probabilities = {label: _number_or_none(cells[i]) for i, label in proba_columns}
            filled = {k: v for k, v in probabilities.items() if v is not None}
            record["probabilities"] = filled or None
        yield record


def parse_jsonl(stream: IO) -> Iterator[dict]:
    for line in text_stream(stream):
        if not line.strip():
            continue
        try:
            yield json_loads(line, field="file")
        except InputRejected as exc:
            yield {"_error": exc.message}


def _labelstudio_value(result: list) -> Any:
    """The label of a Label Studio prediction's first choices/rating/number result."""
    for region in result or []:
        value = region.get("value", {}) if isinstance(region, dict) else {}
        if "choices" in value:
            choices = value["choices"]
            return choices[0] if len(choices) == 1 else choices
        for key in ("rating", "number"):
            if key in value:
                return value[key]
    return None


def parse_labelstudio(stream: IO, *, model_version: str | None = None) -> Iterator[dict]:
    """Label Studio tasks (export or import JSON) with a `predictions` list; the item is the task's external id.

    A task's predictions carry `model_version` and `score`; only those of `model_version` are read (all
    when it is None, the latest `created_at` winning per task).
    """
    tasks = json_loads(stream.read(), field="file")
    for _, row in labelstudio_task_rows(tasks, model_version=model_version):
        yield row


def labelstudio_task_rows(
    tasks: Any, *, model_version: str | None, unnamed_too: bool = False
) -> Iterator[tuple[int, dict]]:
    """(task index, prediction row) for each task with a prediction of `model_version` (any when None).

    With `unnamed_too`, a prediction that names no model_version counts as one of `model_version`.
    """
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise ApplicationError("Label Studio JSON must be a list of tasks.", {"code": "invalid_file"})
    for index, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            yield index, {"_error": "A Label Studio task needs a `data` object."}
            continue
        item = task["data"].get("external_id") or task.get("external_id") or task.get("id")
        predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
        if model_version is not None:
            predictions = [
                p
                for p in predictions
                if str(p.get("model_version", "")) == model_version or (unnamed_too and _unnamed(p))
            ]
        if not predictions:
            continue
        latest = max(predictions, key=lambda p: _created(p.get("created_at")))
        yield index, {"item": item, "value": _labelstudio_value(latest.get("result")), "score": latest.get("score")}


def _unnamed(prediction: dict) -> bool:
    version = prediction.get("model_version")
    return version is None or str(version).strip() == ""


def labelstudio_versions(tasks: Any) -> tuple[set[str], list[int]]:
    """The model versions the tasks' predictions name, and the indexes of tasks with a prediction naming none."""
    versions: set[str] = set()
    unnamed: list[int] = []
    for index, task in enumerate(tasks if isinstance(tasks, list) else [tasks]):
        for prediction in (task.get("predictions") or []) if isinstance(task, dict) else []:
            if not isinstance(prediction, dict):
                continue
            if _unnamed(prediction):
                unnamed.append(index)
            else:
                versions.add(str(prediction["model_version"]))
    return versions, unnamed


def _created(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.min


def prediction_rows(stream: IO, fmt: str, *, model_version: str | None = None) -> Iterator[dict]:
    if fmt == "csv":
        return parse_csv(stream)
    if fmt == "jsonl":
        return parse_jsonl(stream)
    if fmt == "labelstudio":
        return parse_labelstudio(stream, model_version=model_version)
    raise ApplicationError(f"Unknown format {fmt!r}; one of {', '.join(FORMATS)}.", {"code": "unknown_format"})


def format_guess(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith(".json"):
        return "labelstudio"
    raise ApplicationError("Name the file .csv, .jsonl or .json (Label Studio).", {"code": "unknown_format"})


def parse_since(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp with its offset (`2026-01-31T12:00:00Z`), or 400 `invalid_since`."""
    if text is None or text == "":
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in text.upper():
        raise ApplicationError(
            "since must be an RFC 3339 timestamp with a time zone, e.g. 2026-01-31T12:00:00Z.",
            {"code": "invalid_since", "fields": {"since": "RFC 3339 timestamp with offset."}},
        )
    return parsed
