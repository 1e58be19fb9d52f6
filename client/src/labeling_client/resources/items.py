"""Items: streamed bulk import in chunks with progress, and listing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeling_client.errors import BadRequestError
from labeling_client.pagination import Paginated
from labeling_client.resources.base import Resource, object_id
from labeling_client.resources.projects import ProjectRef
from labeling_client.resources.records import chunks, records_and_total
from labeling_client.types import ImportProgress, ImportResult, Item

if TYPE_CHECKING:
    import pandas as pd

ProgressCallback = Callable[[ImportProgress], None]
DEFAULT_CHUNK = 1000


class Items(Resource):
    def list(self, project: ProjectRef, *, is_gold: bool | None = None, page_size: int = 1000) -> Paginated[Item]:
        params = {"is_gold": None if is_gold is None else str(is_gold).lower()}
        return Paginated(self._t, f"api/projects/{object_id(project)}/items/", params, page_size=page_size)

    def count(self, project: ProjectRef) -> int:
        return self.list(project, page_size=1).count

    def bulk_import(
        self,
        project: ProjectRef,
        source: Iterable[Mapping[str, Any]] | str | Path | pd.DataFrame,
        *,
        chunk_size: int = DEFAULT_CHUNK,
        fmt: str | None = None,
        progress: ProgressCallback | bool | None = None,
        raise_on_error: bool = False,
    ) -> ImportResult:
        """Send records `chunk_size` at a time; memory holds one chunk whatever the size of the source.

        `source` is any iterable of records ({"external_id", "payload", ...}), a CSV or JSONL path, or a
        DataFrame. `progress` is a callback given an ImportProgress after each chunk, or True for a tqdm bar.
        A chunk is retried after a dropped connection or a 429/503: with external ids a repeated row is
        counted as a duplicate, never stored twice. Refused rows are collected in `errors` with their index
        in the whole input; `raise_on_error` raises BadRequestError (extra["errors"]) at the end instead.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        records, total = records_and_total(source, fmt=fmt)
        callback, bar = _progress(progress, total)
        result = ImportResult()
        path = f"api/projects/{object_id(project)}/items/"
        try:
            for chunk in chunks(records, chunk_size):
                answer = self._t.json("POST", path, json=chunk, idempotent=True)
                for error in answer.get("errors", []):
                    if isinstance(error.get("index"), int):
                        error = {**error, "index": error["index"] + result.sent}
                    result.errors.append(error)
                result.sent += len(chunk)
                result.created += int(answer.get("created", 0))
                result.duplicates += int(answer.get("duplicates", 0))
                result.error_count += int(answer.get("error_count", 0))
                result.chunks += 1
                if bar is not None:
                    bar.update(len(chunk))
                    bar.set_postfix(created=result.created, duplicates=result.duplicates, errors=result.error_count)
                if callback is not None:
                    callback(ImportProgress(result.sent, result.created, result.duplicates, result.error_count, total))
        finally:
            if bar is not None:
                bar.close()
        if raise_on_error and result.error_count:
            raise BadRequestError(
                f"{result.error_count} of {result.sent} records were refused.",
                {"code": "invalid_records", "errors": result.errors},
                400,
            )
        return result


def _progress(progress: ProgressCallback | bool | None, total: int | None) -> tuple[ProgressCallback | None, Any]:
    if progress is True:
        from tqdm.auto import tqdm

        return None, tqdm(total=total, unit="item", desc="import")
    if callable(progress):
        return progress, None
    return None, None
