"""Bulk item import: validate, hash, and insert in batches with ON CONFLICT DO NOTHING.

The only write path for new Item rows, and so for the initial `slots_open` (the project's overlap, or its
adaptive minimum, for items to label, 0 for items imported with their labels); after that only
`labeling.services.assignment` changes it. Duplicates are decided by the database (the partial unique
keys on external id and on content hash), so two imports running at once cannot create the same item twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from config.input_guard import InputRejected, json_check, text_check
from labeling.models import Item, OverlapPolicy, Project
from labeling.services.bulk_copy import Progress, copy_csv
from labeling.services.label_schema import label_value_validate

BATCH_SIZE = 5000
MAX_ERRORS_KEPT = 1000
RECORD_KEYS = {
    "external_id",
    "payload",
    "priority",
    "is_gold",
    "gold_value",
    "gold_explanation",
    "is_exam",
    "is_practice",
}

_INSERT_SQL = """
INSERT INTO labeling_item (
    project_id, external_id, content_hash, payload, priority, is_gold, gold_value, gold_explanation,
    is_exam, is_practice, slots_open, annotation_count, created_at
)
SELECT %s, r.external_id, r.content_hash, r.payload::jsonb, r.priority, r.is_gold, r.gold_value::jsonb,
       r.gold_explanation, r.is_exam, r.is_practice, %s, 0, now()
FROM unnest(
    %s::text[], %s::text[], %s::text[], %s::integer[], %s::boolean[], %s::text[], %s::text[],
    %s::boolean[], %s::boolean[]
) WITH ORDINALITY AS r(
    external_id, content_hash, payload, priority, is_gold, gold_value, gold_explanation, is_exam, is_practice, n
)
ORDER BY r.n
ON CONFLICT DO NOTHING
"""


@dataclass
class ItemImportResult:
    created: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0

    def add_error(self, index: int, message: str, external_id: str | None = None) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"index": index, "external_id": external_id, "message": message})


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def _as_bool(value: Any, name: str) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "y", "t", "0", "false", "no", "n", "f"}:
        return value.strip().lower() in {"1", "true", "yes", "y", "t"}
    raise ValueError(f"{name} must be a boolean.")


def _as_priority(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError("priority must be an integer.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValueError("priority must be an integer.")
    if not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise ValueError("priority must be a 32-bit integer.")
    return value


def _row(project: Project, record: Any) -> tuple:
    """One validated row for the INSERT, or ValueError/ApplicationError with the reason."""
    if not isinstance(record, dict):
        raise ValueError("Each record must be an object.")
    if set(record) == {"_error"}:  # a line the file parser could not read
        raise ValueError(str(record["_error"]))
    unknown = set(record) - RECORD_KEYS
    if unknown:
        raise ValueError(f"Unknown keys: {', '.join(sorted(map(str, unknown)))}.")
    if "payload" not in record or record["payload"] is None:
        raise ValueError("payload is required.")
    payload = record["payload"]
    external_id = record.get("external_id")
    if external_id is not None:
        if isinstance(external_id, bool) or not isinstance(external_id, str | int):
            raise ValueError("external_id must be a string or an integer.")
        external_id = text_check(str(external_id), field="external_id").strip() or None
        if external_id is not None and len(external_id) > 255:
            raise ValueError("external_id is longer than 255 characters.")
    is_gold = _as_bool(record.get("is_gold"), "is_gold")
    gold_value = record.get("gold_value")
    json_check(payload, field="payload")
    if gold_value is not None:
        json_check(gold_value, field="gold_value")
    if is_gold:
        if gold_value is None:
            raise ValueError("A gold item needs gold_value.")
        gold_value = label_value_validate(project=project, value=gold_value)
    elif gold_value is not None:
        raise ValueError("gold_value is only allowed on gold items.")
    explanation = record.get("gold_explanation") or ""
    if not isinstance(explanation, str):
        raise ValueError("gold_explanation must be a string.")
    text_check(explanation, field="gold_explanation")
    payload_json = canonical_json(payload)
    if "\x00" in payload_json or "\\u0000" in payload_json:
        raise ValueError("payload cannot contain NUL characters.")
    return (
        external_id,
        hashlib.sha256(payload_json.encode()).hexdigest(),
        payload_json,
        _as_priority(record.get("priority")),
        is_gold,
        None if gold_value is None else canonical_json(gold_value),
        explanation,
        _as_bool(record.get("is_exam"), "is_exam"),
        _as_bool(record.get("is_practice"), "is_practice"),
    )


def _batches(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def initial_slots(project: Project) -> int:
    """Slots a new item starts with: the overlap, or under adaptive overlap its minimum (ADR 0014)."""
    return project.overlap_min if project.overlap_policy == OverlapPolicy.ADAPTIVE else project.overlap


def _insert(project: Project, rows: list[tuple]) -> int:
    columns = list(zip(*rows, strict=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [project.pk, initial_slots(project), *(list(c) for c in columns)])
        return cursor.rowcount


def items_import(
    *,
    project: Project,
    records: Iterable[dict],
    progress: Callable[[int], None] | None = None,
    all_or_nothing: bool = False,
    refuse_unstorable: bool = False,
) -> ItemImportResult:
    """Import records in batches of BATCH_SIZE; each batch commits on its own so a 1M import streams.

    Bad records are reported in `errors` (index, reason) and skipped; good ones are still imported.
    With `all_or_nothing`, input PostgreSQL cannot store (config.input_guard: NUL characters, JSON nested
    too deep) refuses the whole import instead (400 naming the record).
    A file that cannot be read at all raises ApplicationError; with `all_or_nothing` (API uploads)
    nothing is kept then. `progress(n)` is called with the number of records handled after every batch.
    """
    if all_or_nothing:
        with transaction.atomic():
            return items_import(project=project, records=records, progress=progress, refuse_unstorable=True)
    result = ItemImportResult()
    index = 0
    for batch in _batches(records, BATCH_SIZE):
        rows = []
        for record in batch:
            try:
                rows.append(_row(project, record))
            except InputRejected as exc:
                if not refuse_unstorable:
                    result.add_error(index, exc.message, _external_id_of(record))
                    index += 1
                    continue
                # All or nothing (the API): unstorable input refuses the whole import, naming the record.
                raise InputRejected(
                    f"Record {index}: {exc.message}",
                    field=exc.extra["field"],
                    reason=exc.extra["reason"],
                    code=exc.extra["code"],
                    record=index,
                )
            except ApplicationError as exc:
                result.add_error(index, f"gold_value: {exc.message}", _external_id_of(record))
            except (ValueError, TypeError) as exc:
                result.add_error(index, str(exc), _external_id_of(record))
            index += 1
        if rows:
            created = _insert(project, rows)
            result.created += created
            result.duplicates += len(rows) - created
        if progress is not None:
            progress(len(batch))
    return result


def _external_id_of(record: Any) -> str | None:
    if isinstance(record, dict) and isinstance(record.get("external_id"), str | int):
        return str(record["external_id"])
    return None


def items_create_labeled(*, project: Project, external_ids: list[str], progress: Progress | None = None) -> dict:
    """Create the items of an annotation import that the project lacks (by COPY); external id -> item id.

    They come already labeled, so they open no slot: raters are never offered them. The caller holds the
    import's transaction; `labeling.services.annotation_rows` then counts their annotations.
    """
    existing = dict(Item.objects.filter(project=project, external_id__isnull=False).values_list("external_id", "id"))
    missing = [e for e in external_ids if e not in existing]
    if not missing:
        return existing
    frame = pd.DataFrame(
        {
            "project_id": project.pk,
            "external_id": missing,
            "content_hash": [hashlib.sha256(f"import:{e}".encode()).hexdigest() for e in missing],
            "payload": [json.dumps({"external_id": e, "source": "import"}, ensure_ascii=False) for e in missing],
            "priority": 0,
            "is_gold": "f",
            "gold_explanation": "",
            "is_exam": "f",
            "is_practice": "f",
            "slots_open": 0,
            "annotation_count": 0,
            "created_at": timezone.now().isoformat(),
        }
    )
    copy_csv("labeling_item", list(frame.columns), frame, progress, "items", not_null=("gold_explanation",))
    return dict(Item.objects.filter(project=project, external_id__isnull=False).values_list("external_id", "id"))
