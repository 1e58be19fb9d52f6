"""Turn an upload of a given kind (items, gold, exam, practice) into the records `items_import` takes.

The flag rules live in labeling (exam and practice items are gold items with a known answer); this
adapter only maps the admin's choice and answer column onto them, so nobody has to know those rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from labeling.models import Project
from labeling.services.item_formats import format_guess, records_from_file, upload_size_check
from labeling.services.items import RECORD_KEYS, items_import

KIND_FLAGS: dict[str, dict[str, bool]] = {
    "items": {},
    "gold": {"is_gold": True},
    "exam": {"is_gold": True, "is_exam": True},
    "practice": {"is_gold": True, "is_practice": True},
}


def _take(record: dict, column: str) -> Any:
    """The column from the record itself or from its payload object (where CSV and bare JSONL put it)."""
    if column in record:
        return record.pop(column)
    payload = record.get("payload")
    if isinstance(payload, dict) and column in payload:
        payload = dict(payload)
        value = payload.pop(column)
        record["payload"] = payload
        return value
    return None


def _answer(value: Any) -> Any:
    """A multi-label answer written as a JSON list in a CSV cell becomes a list; anything else stays as is."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def records_of_kind(
    records: Iterable[Any], *, kind: str, answer_column: str = "label", explanation_column: str = ""
) -> Iterator[Any]:
    flags = KIND_FLAGS[kind]
    for record in records:
        if not isinstance(record, dict) or set(record) == {"_error"} or not flags:
            yield record
            continue
        record = dict(record)
        if answer_column and answer_column != "gold_value":
            answer = _take(record, answer_column)
            if answer not in (None, ""):
                record["gold_value"] = _answer(answer)
        if explanation_column and explanation_column != "gold_explanation":
            explanation = _take(record, explanation_column)
            if explanation not in (None, ""):
                record["gold_explanation"] = str(explanation)
        yield {**record, **flags}


def field_of(message: str) -> str:
    """The field an import error is about, for the per-row report (the message names it)."""
    head = message.split(":", 1)[0].strip()
    if head in RECORD_KEYS:
        return head
    for name in sorted(RECORD_KEYS, key=lambda key: (-len(key), key)):  # longest first: a fixed, specific match
        if name in message:
            return name
    return "row"


def upload_import(
    *,
    project: Project,
    stream: IO,
    filename: str,
    size: int | None,
    kind: str,
    fmt: str = "",
    answer_column: str = "label",
    explanation_column: str = "",
) -> dict[str, Any]:
    """Import one uploaded file through labeling's import service; the report the page and its script show.

    All or nothing for a file that cannot be read (the service's ApplicationError); bad rows are skipped and
    reported with their row number (counted from 1, after a CSV header), field and reason.
    """
    upload_size_check(size)
    records = records_of_kind(
        records_from_file(stream, fmt or format_guess(filename)),
        kind=kind,
        answer_column=answer_column.strip(),
        explanation_column=explanation_column.strip(),
    )
    result = items_import(project=project, records=records, all_or_nothing=True)
    return {
        "kind": kind,
        "created": result.created,
        "duplicates": result.duplicates,
        "error_count": result.error_count,
        "errors": [
            {
                "row": e["index"] + 1,
                "external_id": e["external_id"],
                "field": field_of(e["message"]),
                "reason": e["message"],
            }
            for e in result.errors
        ],
    }
