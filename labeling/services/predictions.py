"""Prediction import and the active-learning queue order: the only writer of Prediction and ItemModelState,
and the only code that sets Item.priority after an item's import.

An import is all or nothing: every row is checked against the project's items and label schema first,
and one bad row stores nothing (400 `invalid_predictions`, each error naming its row and field). The
priorities of the imported items are refreshed in the same transaction, so the queue never serves an
order computed from predictions that did not commit.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from config.input_guard import InputRejected, json_check, text_check
from labeling.aggregation.uncertainty import to_priority, uncertainty
from labeling.models import ActiveLearning, Item, ItemModelState, LabelType, ModelSettings, Project, QueueStream
from labeling.selectors.model_settings import model_settings_get
from labeling.services.label_schema import label_value_validate

MAX_NAME = 100
SUM_TOLERANCE = 1e-6
BATCH_SIZE = 5000
MAX_ERRORS_KEPT = 1000
_draw = random.SystemRandom()  # per-item arms: unpredictable, never derived from ids
_LOCK_NAMESPACE = 7302  # pg_advisory_xact_lock(namespace, project_id): one prediction write per project at a time


def _project_lock(project: Project) -> None:
    """Serialize a project's prediction imports and priority refreshes (their item updates never interleave)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, int(project.pk)])


@dataclass
class PredictionRow:
    item_id: int
    value: Any
    score: float | None
    probabilities: dict[str, float] | None


def _label_keys(project: Project) -> dict[str, Any]:
    """Probability key -> category. Keys are text (JSON object keys); a category 3 is keyed "3"."""
    return {c if isinstance(c, str) else json.dumps(c): c for c in (project.categories or [])}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _check_probabilities(project: Project, probabilities: Any) -> dict[str, float]:
    if project.label_type in (LabelType.INTERVAL, LabelType.RATIO):
        raise ValueError("A numeric project takes no class probabilities.")
    if not isinstance(probabilities, dict) or not probabilities:
        raise ValueError("probabilities must be a non-empty object {label: probability}.")
    keys = _label_keys(project)
    unknown = sorted(str(k) for k in probabilities if k not in keys)
    if unknown:
        raise ValueError(f"Unknown labels {unknown[:5]}; the labels are {list(keys)}.")
    out = {}
    for key, p in probabilities.items():
        number = _number(p)
        if number is None or number < 0 or number > 1:
            raise ValueError(f"The probability of {key!r} must be a number between 0 and 1.")
        out[key] = number
    total = sum(out.values())
    if project.label_type != LabelType.MULTI and abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"Probabilities must sum to 1 (within {SUM_TOLERANCE}); they sum to {total:.8g}.")
    return out


def value_from_text(project: Project, text: str) -> Any:
    """A label written as text (a CSV cell): a category's own text, else its JSON (numbers, lists)."""
    text = text.strip()
    if text in [c for c in project.categories or [] if isinstance(c, str)]:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _check_row(project: Project, row: Any, items: dict[str, int]) -> tuple[PredictionRow | None, list[tuple]]:
    """The row, or its errors as (field, message)."""
    if not isinstance(row, dict):
        return None, [("", "Each prediction must be an object.")]
    if set(row) == {"_error"}:
        return None, [("", str(row["_error"]))]
    if "value_text" in row and "value" not in row:
        row = {
            **{k: v for k, v in row.items() if k != "value_text"},
            "value": value_from_text(project, row["value_text"]),
        }
    errors: list[tuple[str, str]] = []
    unknown = set(row) - {"item", "value", "score", "probabilities"}
    if unknown:
        errors.append(("", f"Unknown keys: {', '.join(sorted(map(str, unknown)))}."))
    external_id = row.get("item")
    item_id = None
    if isinstance(external_id, bool) or not isinstance(external_id, str | int) or str(external_id).strip() == "":
        errors.append(("item", "item must be the item's external_id."))
    else:
        item_id = items.get(str(external_id).strip())
        if item_id is None:
            errors.append(("item", f"No item {str(external_id)[:100]!r} in this project."))
    value = None
    if "value" not in row or row["value"] is None:
        errors.append(("value", "value is required."))
    else:
        try:
            json_check(row["value"], field="value")
            value = label_value_validate(project=project, value=row["value"])
        except InputRejected as exc:
            errors.append(("value", exc.message))
        except ApplicationError as exc:
            errors.append(("value", exc.message))
    score = row.get("score")
    if score is not None:
        score = _number(score)
        if score is None or not 0 <= score <= 1:
            errors.append(("score", "score must be a number between 0 and 1, or null."))
    probabilities = row.get("probabilities")
    if probabilities is not None:
        try:
            probabilities = _check_probabilities(project, probabilities)
        except ValueError as exc:
            errors.append(("probabilities", str(exc)))
    if errors:
        return None, errors
    return PredictionRow(item_id=item_id, value=value, score=score, probabilities=probabilities), []


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(f"{field} is required.", {"code": "invalid_predictions", "fields": {field: "Required."}})
    value = text_check(value.strip(), field=field)
    if len(value) > MAX_NAME:
        raise ApplicationError(
            f"{field} is longer than {MAX_NAME} characters.",
            {"code": "invalid_predictions", "fields": {field: f"At most {MAX_NAME} characters."}},
        )
    return value


_UPSERT_SQL = """
INSERT INTO labeling_prediction (project_id, item_id, model, version, value, score, probabilities, created_at)
SELECT %s, r.item_id, %s, %s, r.value::jsonb, r.score, r.probabilities::jsonb, %s
FROM unnest(%s::bigint[], %s::text[], %s::float8[], %s::text[]) AS r(item_id, value, score, probabilities)
ON CONFLICT (item_id, model, version) DO UPDATE SET
    value = EXCLUDED.value, score = EXCLUDED.score, probabilities = EXCLUDED.probabilities,
    created_at = EXCLUDED.created_at
"""


@transaction.atomic
def predictions_import(
    *,
    project: Project,
    model: str,
    version: str,
    rows: Iterable[Any],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store a model version's predictions (all or nothing) and refresh the queue order; returns the count.

    Re-importing an item for the same (model, version) replaces its prediction. Raises ApplicationError
    with `code="invalid_predictions"` and per-row `errors` [{index, field, message}] when any row is bad.
    """
    model, version = _name(model, "model"), _name(version, "version")
    items = dict(Item.objects.filter(project=project, external_id__isnull=False).values_list("external_id", "id"))
    checked: dict[int, PredictionRow] = {}
    errors: list[dict[str, Any]] = []
    error_count = seen = 0
    for index, row in enumerate(rows):
        good, row_errors = _check_row(project, row, items)
        if good is not None and good.item_id in checked:
            row_errors = [("item", "The item appears twice in this import.")]
            good = None
        for field, message in row_errors:
            error_count += 1
            if len(errors) < MAX_ERRORS_KEPT:
                errors.append({"index": index, "field": field, "message": message})
        if good is not None:
            checked[good.item_id] = good
        if progress is not None and index % 1000 == 999:
            progress(1000)
        seen = index + 1
    if progress is not None and seen % 1000:
        progress(seen % 1000)
    if errors:
        raise ApplicationError(
            f"{error_count} problem(s) in the predictions; nothing was stored.",
            {"code": "invalid_predictions", "error_count": error_count, "errors": errors},
        )
    if not checked:
        raise ApplicationError(
            "No predictions to import.", {"code": "invalid_predictions", "error_count": 0, "errors": []}
        )
    _project_lock(project)
    now = timezone.now()
    good_rows = list(checked.values())
    with connection.cursor() as cursor:
        for start in range(0, len(good_rows), BATCH_SIZE):
            batch = good_rows[start : start + BATCH_SIZE]
            cursor.execute(
                _UPSERT_SQL,
                [
                    project.pk,
                    model,
                    version,
                    now,
                    [r.item_id for r in batch],
                    [json.dumps(r.value, ensure_ascii=False) for r in batch],
                    [r.score for r in batch],
                    [None if r.probabilities is None else json.dumps(r.probabilities) for r in batch],
                ],
            )
    priorities_refresh(project=project, item_ids=list(checked))
    return len(checked)


def _source_filter(settings: ModelSettings) -> tuple[str, list[Any]]:
    if not settings.source_model:
        return "", []
    if settings.source_version:
        return " AND p.model = %s AND p.version = %s", [settings.source_model, settings.source_version]
    return " AND p.model = %s", [settings.source_model]


def _source_predictions(project: Project, settings: ModelSettings, item_ids: list[int] | None) -> list[tuple]:
    """(item id, probabilities, score) of each regular item's source prediction (latest import wins)."""
    where, params = _source_filter(settings)
    scope = "" if item_ids is None else " AND p.item_id = ANY(%s)"
    scope_params = [] if item_ids is None else [item_ids]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (p.item_id) p.item_id, p.probabilities::text, p.score FROM labeling_prediction p "
            "JOIN labeling_item i ON i.id = p.item_id WHERE p.project_id = %s "
            f"AND NOT (i.is_gold OR i.is_exam OR i.is_practice){where}{scope} "
            "ORDER BY p.item_id, p.created_at DESC, p.id DESC",
            [project.pk, *params, *scope_params],
        )
        return cursor.fetchall()


def _scores(project: Project, method: str, rows: list[tuple]) -> np.ndarray:
    """Uncertainty per row: from the probabilities over the project's labels, else 1 - score, else 0.5."""
    keys = list(_label_keys(project))
    out = np.full(len(rows), 0.5)
    with_proba = [i for i, r in enumerate(rows) if r[1] is not None]
    if with_proba and keys:
        matrix = np.array([[json.loads(rows[i][1]).get(k, 0.0) for k in keys] for i in with_proba], dtype=float)
        if project.label_type == LabelType.MULTI:
            # Independent labels: the least sure label decides (a binary margin or entropy per label).
            per_label = np.stack([uncertainty(np.stack([col, 1 - col], axis=1), method) for col in matrix.T], axis=1)
            out[with_proba] = per_label.max(axis=1)
        else:
            out[with_proba] = uncertainty(matrix, method, n_classes=len(keys))
    for i, r in enumerate(rows):
        if r[1] is None and r[2] is not None:
            out[i] = 1.0 - float(r[2])
    return out


def _states(project: Project, item_ids: list[int]) -> dict[int, ItemModelState]:
    """Each item's stored draws, drawn now for items that have none."""
    found = {s.item_id: s for s in ItemModelState.objects.filter(item_id__in=item_ids)}
    missing = [
        ItemModelState(item_id=i, project=project, stream_draw=_draw.random(), suggestion_draw=_draw.random())
        for i in item_ids
        if i not in found
    ]
    ItemModelState.objects.bulk_create(missing, batch_size=2000, ignore_conflicts=True)
    if missing:
        found = {s.item_id: s for s in ItemModelState.objects.filter(item_id__in=item_ids)}
    return found


def item_model_states(*, project: Project, item_ids: list[int]) -> dict[int, ItemModelState]:
    """The items' random draws (queue stream, suggestion arm), created on first use."""
    return _states(project, item_ids)


@transaction.atomic
def priorities_refresh(*, project: Project, item_ids: list[int] | None = None) -> int:
    """Set Item.priority from the source model's uncertainty (the uncertainty stream) or at random (control).

    An item is in the control stream when its stored draw is under the project's random share; its
    priority is then that draw rescaled to [0, 1], a uniform value in the same range as the uncertainty
    stream's, so the two streams interleave in one queue. Gold, exam and practice items are never touched:
    they have no priority signal (docs/adr/0008). With active learning off nothing changes.
    Returns the number of items updated.
    """
    settings = model_settings_get(project=project)
    if settings.active_learning == ActiveLearning.OFF:
        return 0
    _project_lock(project)
    rows = _source_predictions(project, settings, item_ids)
    if not rows:
        return 0
    ids = [int(r[0]) for r in rows]
    scores = _scores(project, settings.active_learning, rows)
    states = _states(project, ids)
    share = float(settings.active_learning_random_share)
    streams, values = [], np.empty(len(ids))
    for n, item_id in enumerate(ids):
        state = states[item_id]
        control = share > 0 and state.stream_draw < share
        streams.append(QueueStream.CONTROL if control else QueueStream.UNCERTAINTY)
        values[n] = state.stream_draw / share if control else scores[n]
    priorities = to_priority(values)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE labeling_item i SET priority = r.priority FROM unnest(%s::bigint[], %s::int[]) AS r(id, priority) "
            "WHERE i.id = r.id AND i.priority IS DISTINCT FROM r.priority",
            [ids, priorities.tolist()],
        )
        cursor.execute(
            "UPDATE labeling_itemmodelstate s SET stream = r.stream, uncertainty = r.u, updated_at = now() "
            "FROM unnest(%s::bigint[], %s::text[], %s::float8[]) AS r(item_id, stream, u) WHERE s.item_id = r.item_id",
            [ids, streams, scores.tolist()],
        )
    return len(ids)
