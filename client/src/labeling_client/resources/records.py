"""Turn a CSV or JSONL file, a DataFrame or any iterable into item records, the way the server reads files.

CSV and DataFrame columns named like item fields (external_id, priority, is_gold, gold_value, ...) are
item fields, a `payload` column holds JSON, and every other column goes into the payload object.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

META_COLUMNS = {"external_id", "priority", "is_gold", "gold_value", "gold_explanation", "is_exam", "is_practice"}


def _cell(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, list | dict | str):  # numpy scalars
        return value.item()
    return value


def record_from_columns(row: Mapping[str, Any]) -> dict[str, Any]:
    row = {k: _cell(v) for k, v in row.items()}
    record = {k: v for k, v in row.items() if k in META_COLUMNS and v not in ("", None)}
    if "payload" in row:
        raw = row["payload"]
        record["payload"] = json.loads(raw) if isinstance(raw, str) else raw
    else:
        record["payload"] = {k: v for k, v in row.items() if k not in META_COLUMNS}
    return record


def _csv_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            record = record_from_columns(row)
            if isinstance(record.get("gold_value"), str):
                try:
                    record["gold_value"] = json.loads(record["gold_value"])
                except ValueError:
                    pass
            yield record


def _jsonl_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as handle:
        for line in handle:
            if not line.strip():
                continue
            obj = json.loads(line)
            if isinstance(obj, dict) and "payload" not in obj:
                obj = record_from_columns(obj)
            yield obj


def _frame_records(frame: pd.DataFrame, chunk: int = 10_000) -> Iterator[dict[str, Any]]:
    for start in range(0, len(frame), chunk):
        yield from (record_from_columns(row) for row in frame.iloc[start : start + chunk].to_dict("records"))


def records_and_total(source: Any, *, fmt: str | None = None) -> tuple[Iterator[dict[str, Any]], int | None]:
    """An iterator of records and their number when it is known without reading everything."""
    if isinstance(source, str | Path):
        path = Path(source)
        kind = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        if kind == "csv":
            return _csv_records(path), None
        if kind == "jsonl":
            return _jsonl_records(path), None
        raise ValueError(f"Unknown format {kind!r}: csv or jsonl (or pass records).")
    if hasattr(source, "iloc") and hasattr(source, "columns"):
        return _frame_records(source), len(source)
    total = len(source) if hasattr(source, "__len__") else None
    return (dict(r) for r in source), total


def chunks(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk
