"""COPY a DataFrame into a table in CSV chunks: the bulk insert of every import (a million rows in seconds).

Each call names its table literally, so `tests/test_write_paths.py` can tell which module writes which table.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
from django.db import connection

COPY_CHUNK = 100_000

Progress = Callable[[str, int], None]


def copy_csv(
    table: str,
    columns: list[str],
    frame: pd.DataFrame,
    progress: Progress | None = None,
    stage: str = "",
    not_null: tuple[str, ...] = (),
) -> None:
    """COPY `frame[columns]` into `table`; `not_null` columns read an empty field as '' rather than NULL."""
    force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{force})"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(frame), COPY_CHUNK):
            part = frame.iloc[start : start + COPY_CHUNK]
            buffer = io.StringIO()
            part[columns].to_csv(buffer, index=False, header=False)
            copy.write(buffer.getvalue())
            if progress is not None:
                progress(stage, len(part))
