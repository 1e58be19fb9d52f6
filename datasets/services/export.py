"""Export a ready version as Parquet, CSV or JSONL, streamed in chunks.

Rows are read in keyset pages on (version, id) and turned into Arrow record batches column by column,
so memory holds one page whatever the version's size. Parquet writes one row group per page; CSV and
JSONL serialize the same batches. The same generator feeds files (management command, benchmark)
and HTTP responses (the API streams it).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from django.db import connection

from config.exceptions import ApplicationError, ConflictError
from config.input_guard import csv_cell_safe
from datasets.models import DatasetVersion, VersionStatus
from datasets.services.summary import LABEL_TEXT_SQL

FORMATS = ("parquet", "csv", "jsonl")
CONTENT_TYPES = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
}
CHUNK_SIZE = 50_000

_TS = pa.timestamp("us", tz="UTC")
_SEP = "\x1f"  # unit separator: joins array elements in the COPY stream, split again in Arrow


def _joined(expr: str) -> str:
    return f"NULLIF(array_to_string({expr}, chr(31)), '')"


# Column name, Arrow type, SQL expression. Lineage is spread over typed columns; JSON stays JSON text.
_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("key", pa.string(), "key"),
    ("split", pa.string(), "split"),
    ("source", pa.string(), "source"),
    ("label", pa.string(), LABEL_TEXT_SQL),
    ("soft_label", pa.map_(pa.string(), pa.float64()), _joined("soft_label_classes")),
    ("confidence", pa.float64(), "confidence"),
    ("weight", pa.float64(), "weight"),
    ("label_time", _TS, "label_time"),
    ("input", pa.string(), "input::text"),
    ("item_external_id", pa.string(), "item_external_id"),
    ("method", pa.string(), "NULLIF(method, '')"),
    ("kind", pa.string(), "NULLIF(kind, '')"),
    ("annotation_count", pa.int64(), "annotation_count"),
    ("rater_ids", pa.list_(pa.string()), _joined("rater_ids")),
    ("instruction_versions", pa.list_(pa.int64()), _joined("instruction_versions")),
    ("decided_by", pa.string(), "NULLIF(decided_by, '')"),
    ("rationale", pa.string(), "NULLIF(rationale, '')"),
    ("request_id", pa.string(), "request_id"),
    ("feedback_event_ids", pa.list_(pa.string()), _joined("feedback_event_ids")),
    ("rule", pa.string(), "NULLIF(rule, '')"),
    ("rule_version", pa.string(), "NULLIF(rule_version, '')"),
    ("window_start", _TS, "window_start"),
    ("window_end", _TS, "window_end"),
    ("model", pa.string(), "NULLIF(model, '')"),
    ("model_version", pa.string(), "NULLIF(model_version, '')"),
    ("features", pa.string(), "features::text"),
    ("downsampling_rate", pa.float64(), "downsampling_rate"),
    ("maturity", pa.string(), "NULLIF(maturity, '')"),
    ("age_seconds", pa.float64(), "age_seconds"),
    ("conversion_probability", pa.float64(), "conversion_probability"),
    ("importance_weight", pa.float64(), "importance_weight"),
]
SCHEMA = pa.schema([(name, type_) for name, type_, _ in _COLUMNS])
_SOFT_VALUES = _joined("soft_label_probs")
_COPY_SQL = (
    f"COPY (SELECT {', '.join(expr for _, _, expr in _COLUMNS)}, {_SOFT_VALUES} "
    "FROM datasets_datasetrow WHERE version_id = VERSION_ID ORDER BY id) TO STDOUT (FORMAT csv)"
)


def _wire_type(type_: pa.DataType) -> pa.DataType:
    """How a column travels in the COPY stream: nested values as joined text (times parse as ISO 8601)."""
    if pa.types.is_list(type_) or pa.types.is_map(type_):
        return pa.string()
    return type_


_WIRE_NAMES = [name for name, _, _ in _COLUMNS] + ["soft_label_values"]
_WIRE_TYPES = {name: _wire_type(type_) for name, type_, _ in _COLUMNS} | {"soft_label_values": pa.string()}


def _exportable(version: DatasetVersion) -> None:
    if version.status != VersionStatus.READY:
        raise ConflictError("Only a ready version can be exported", {"status": version.status})


class _CopyReader:
    """A readable file over a COPY TO STDOUT stream, so Arrow's CSV reader pulls it block by block."""

    closed = False

    def __init__(self, chunks: Iterator) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        size = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def _split(values: pa.Array, item_type: pa.DataType) -> pa.Array:
    parts = pc.split_pattern(values, _SEP)
    return parts.cast(pa.list_(item_type)) if item_type != pa.string() else parts


def _to_export(batch: pa.RecordBatch) -> pa.RecordBatch:
    arrays = []
    for name, type_, _ in _COLUMNS:
        column = batch.column(name)
        if pa.types.is_map(type_):
            keys = _split(column, pa.string())
            values = _split(batch.column("soft_label_values"), pa.float64())
            column = pa.MapArray.from_arrays(keys.offsets, keys.flatten(), values.flatten(), mask=keys.is_null())
        elif pa.types.is_list(type_):
            column = _split(column, type_.value_type)
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def version_record_batches(*, version: DatasetVersion, chunk_size: int = CHUNK_SIZE) -> Iterator[pa.RecordBatch]:
    """Arrow batches of a ready version, read with one COPY statement parsed by Arrow's C++ CSV reader."""
    _exportable(version)
    block_size = max(1 << 20, chunk_size * 256)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(_COPY_SQL.replace("VERSION_ID", str(int(version.pk)))) as copy,
    ):
        reader = pa_csv.open_csv(
            pa.PythonFile(_CopyReader(iter(copy)), mode="r"),
            read_options=pa_csv.ReadOptions(column_names=_WIRE_NAMES, block_size=block_size),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                # Only PostgreSQL's NULL (an unquoted empty field) is null: a label "NA" or "null" stays text.
                column_types=_WIRE_TYPES,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            for offset in range(0, batch.num_rows, chunk_size):
                yield _to_export(batch.slice(offset, chunk_size))


class _Drain(io.RawIOBase):
    """A write-only sink whose bytes are taken out after each batch (for streaming responses)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _text_rows(batch: pa.RecordBatch) -> Iterator[dict]:
    for row in batch.to_pylist():
        row["soft_label"] = dict(row["soft_label"]) if row["soft_label"] is not None else None
        for name in ("input", "features"):
            row[name] = json.loads(row[name]) if row[name] is not None else None
        yield {name: _jsonable(value) for name, value in row.items()}


def version_export_chunks(
    *, version: DatasetVersion, fmt: str, chunk_size: int = CHUNK_SIZE, on_rows: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """The export file as a sequence of byte chunks, one (or a few) per page of rows."""
    if fmt not in FORMATS:
        raise ApplicationError("Unknown export format", {"format": fmt, "formats": list(FORMATS)})
    _exportable(version)
    sink = _Drain()
    if fmt == "parquet":
        writer = pq.ParquetWriter(sink, SCHEMA, compression="snappy")
        for batch in version_record_batches(version=version, chunk_size=chunk_size):
            writer.write_batch(batch)
            if on_rows:
                on_rows(batch.num_rows)
            yield sink.take()
        writer.close()
        yield sink.take()
        return
    text = io.TextIOWrapper(sink, encoding="utf-8", newline="", write_through=True)
    csv_writer = None
    if fmt == "csv":
        csv_writer = csv.DictWriter(text, fieldnames=SCHEMA.names)
        csv_writer.writeheader()
    for batch in version_record_batches(version=version, chunk_size=chunk_size):
        for row in _text_rows(batch):
            if csv_writer is not None:
                # A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading quote.
                csv_writer.writerow(
                    {k: csv_cell_safe(json.dumps(v) if isinstance(v, dict | list) else v) for k, v in row.items()}
                )
            else:
                text.write(json.dumps(row, separators=(",", ":")) + "\n")
        if on_rows:
            on_rows(batch.num_rows)
        yield sink.take()
    text.flush()
    yield sink.take()


def version_export_to_file(
    *, version: DatasetVersion, fmt: str, out: BinaryIO, chunk_size: int = CHUNK_SIZE,
    on_rows: Callable[[int], None] | None = None,
) -> int:  # fmt: skip
    """Write the export to an open binary file; returns the bytes written."""
    size = 0
    for chunk in version_export_chunks(version=version, fmt=fmt, chunk_size=chunk_size, on_rows=on_rows):
        out.write(chunk)
        size += len(chunk)
    return size
