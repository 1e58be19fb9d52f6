"""Parsers that turn an uploaded file into item records for `items_import`.

Formats: CSV (one item per row), JSONL (one record per line) and Label Studio task JSON
(a list of `{"id": ..., "data": {...}}`). Parsers stream, so a million-line file is never held twice.
Malformed lines become records that `items_import` reports as errors instead of aborting the import.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from config.exceptions import ApplicationError
from config.input_guard import InputRejected, json_loads
from labeling.conf import item_upload_max_bytes

FORMATS = ("csv", "jsonl", "labelstudio")
# CSV columns that describe the item rather than being part of its payload.
CSV_META_COLUMNS = {"external_id", "priority", "is_gold", "gold_value", "gold_explanation", "is_exam", "is_practice"}


class UploadTooLargeError(ApplicationError):
    status_code = 413


class _Malformed(dict):
    """A record that failed to parse; `items_import` reports it with its reason."""


def upload_size_check(size: int | None) -> None:
    limit = item_upload_max_bytes()
    if size is not None and size > limit:
        raise UploadTooLargeError(
            f"The upload is {size} bytes; the limit is {limit} bytes. Split the file or use `manage.py import_items`.",
            extra={"code": "upload_too_large", "limit_bytes": limit, "size_bytes": size},
        )


def format_guess(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "labelstudio"
    raise ApplicationError(
        "Cannot tell the file format from its name; pass format=csv|jsonl|labelstudio.",
        extra={"code": "unknown_format", "fields": {"format": f"One of {', '.join(FORMATS)}."}},
    )


def _text_lines(stream: IO) -> Iterator[str]:
    reader = codecs.getreader("utf-8-sig")(stream, errors="strict") if _is_binary(stream) else stream
    yield from reader


def _is_binary(stream: IO) -> bool:
    return isinstance(stream.read(0), bytes)


def _json_cell(value: str) -> Any:
    """A CSV cell that holds JSON (gold_value, payload); plain text stays text (the import checks it)."""
    try:
        return json.loads(value)
    except (ValueError, TypeError, RecursionError):
        return value


def parse_csv(stream: IO) -> Iterator[dict]:
    """Columns external_id/priority/is_gold/... are item fields; a `payload` column holds JSON; every other
    column (text, image, ...) goes into the payload object."""
    reader = csv.DictReader(_text_lines(stream))
    if not reader.fieldnames:
        return
    for row in reader:
        if None in row:
            yield _Malformed(_error="Row has more cells than the header.")
            continue
        record: dict[str, Any] = {k: v for k, v in row.items() if k in CSV_META_COLUMNS and v not in ("", None)}
        if "gold_value" in record:
            record["gold_value"] = _json_cell(record["gold_value"])
        if "payload" in row:
            raw = row["payload"]
            try:
                record["payload"] = json_loads(raw, field="payload") if raw else None
            except InputRejected as exc:
                if exc.extra["code"] != "invalid_json":
                    raise
                yield _Malformed(_error=f"payload column is not valid JSON: {exc.extra['reason']}.")
                continue
        else:
            record["payload"] = {k: v for k, v in row.items() if k not in CSV_META_COLUMNS and k is not None}
        yield record


def parse_jsonl(stream: IO) -> Iterator[dict]:
    """One JSON object per line: either a record with `payload`, or a bare payload object."""
    for line_no, line in enumerate(_text_lines(stream), start=1):
        if not line.strip():
            continue
        try:
            obj = json_loads(line, field=f"line {line_no}")
        except InputRejected as exc:
            if exc.extra["code"] != "invalid_json":
                raise  # too deep or unstorable: the whole file is refused, naming the line
            yield _Malformed(_error=f"Line {line_no} is not valid JSON: {exc.extra['reason']}.")
            continue
        yield _record_from_object(obj)


def _record_from_object(obj: Any) -> dict:
    if isinstance(obj, dict) and "payload" in obj:
        return obj
    if isinstance(obj, dict):
        meta = {k: obj[k] for k in CSV_META_COLUMNS if k in obj}
        return {**meta, "payload": {k: v for k, v in obj.items() if k not in CSV_META_COLUMNS}}
    return _Malformed(_error="Each line must be a JSON object.")


def parse_labelstudio(stream: IO) -> Iterator[dict]:
    """Label Studio tasks: `data` is the payload; `id` (or data.external_id) is the external id."""
    try:
        tasks = json_loads(stream.read(), field="file")
    except InputRejected as exc:
        if exc.extra["code"] != "invalid_json":
            raise
        raise InputRejected(
            f"The file is not valid JSON: {exc.extra['reason']}.",
            field="file",
            reason=exc.extra["reason"],
            code="invalid_file",
        )
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise ApplicationError("Label Studio JSON must be a list of tasks.", extra={"code": "invalid_file"})
    for task in tasks:
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            yield _Malformed(_error="A Label Studio task needs a `data` object.")
            continue
        data = dict(task["data"])
        external_id = data.pop("external_id", None) or task.get("external_id") or task.get("id")
        record: dict[str, Any] = {"payload": data}
        if external_id is not None:
            record["external_id"] = external_id
        for key in ("priority", "is_gold", "gold_value", "gold_explanation"):
            if key in task:
                record[key] = task[key]
        yield record


PARSERS = {"csv": parse_csv, "jsonl": parse_jsonl, "labelstudio": parse_labelstudio}


def records_from_file(stream: IO, fmt: str) -> Iterable[dict]:
    if fmt not in PARSERS:
        raise ApplicationError(
            f"Unknown format {fmt!r}.",
            extra={"code": "unknown_format", "fields": {"format": f"One of {', '.join(FORMATS)}."}},
        )
    return _checked(PARSERS[fmt](stream))


def _checked(records: Iterator[dict]) -> Iterator[dict]:
    """Turn undecodable bytes into one clear error rather than a 500."""
    try:
        yield from records
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 ({exc.reason} in a read of {len(exc.object)} bytes, at offset {exc.start})"
        raise InputRejected(f"The file is {reason}.", field="file", reason=reason, code="invalid_file")
    except csv.Error as exc:
        reason = f"malformed CSV: {exc}"
        raise InputRejected(f"The CSV file is {reason}.", field="file", reason=reason, code="invalid_file")
