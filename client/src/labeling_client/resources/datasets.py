"""Datasets: define, build a version, wait for it, and read an export straight into Arrow or pandas."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeling_client.errors import BuildFailedError, WaitTimeoutError
from labeling_client.resources.base import Resource, object_id
from labeling_client.types import DatasetVersion

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FORMATS = ("parquet", "csv", "jsonl")
STREAM_CHUNK = 1 << 20
ByteProgress = Callable[[int], None] | bool | None


class Datasets(Resource):
    def list(self) -> list[dict[str, Any]]:
        return self._t.json("GET", "api/datasets/")

    def get(self, name: str) -> dict[str, Any]:
        """The definition and an overview of its versions."""
        return self._t.json("GET", f"api/datasets/{name}/")

    def create(self, name: str, *, projects: Sequence[int | dict] = (), **options: Any) -> dict[str, Any]:
        """Define a dataset (staff): which projects, gold policy, split fractions, filters (see the API docs)."""
        body = {"name": name, "project_ids": [object_id(p) for p in projects], **options}
        return self._t.json("POST", "api/datasets/", json=body)

    def build(self, name: str) -> DatasetVersion:
        """Start building a new version (a worker does it); returns the version in `building` state."""
        return self._t.json("POST", f"api/datasets/{name}/versions/")

    def version(self, name: str, number: int) -> DatasetVersion:
        return self._t.json("GET", f"api/datasets/{name}/versions/{number}/")

    def wait(
        self,
        name: str,
        number: int,
        *,
        timeout: float = 600.0,
        poll: float = 1.0,
        progress: Callable[[DatasetVersion], None] | bool | None = None,
    ) -> DatasetVersion:
        """Poll until the version is ready; BuildFailedError if it failed, WaitTimeoutError after `timeout`.

        `progress` is called with each polled version (its `progress` goes 0..1), or True for a tqdm bar.
        """
        bar = None
        if progress is True:
            from tqdm.auto import tqdm

            bar = tqdm(total=100, unit="%", desc=f"build {name} v{number}")
        deadline = time.monotonic() + timeout
        try:
            while True:
                version = self.version(name, number)
                if bar is not None:
                    bar.n = round(100 * float(version.get("progress") or 0))
                    bar.refresh()
                elif callable(progress):
                    progress(version)
                if version.get("status") == "ready":
                    return version
                if version.get("status") == "failed":
                    raise BuildFailedError(f"Building {name} v{number} failed: {version.get('error')}", dict(version))
                if time.monotonic() >= deadline:
                    raise WaitTimeoutError(
                        f"{name} v{number} still {version.get('status')} after {timeout:.0f} s "
                        f"(progress {version.get('progress')})."
                    )
                time.sleep(poll)
        finally:
            if bar is not None:
                bar.close()

    def build_and_wait(self, name: str, **wait: Any) -> DatasetVersion:
        started = self.build(name)
        return self.wait(name, int(started["number"]), **wait)

    def export_bytes(self, name: str, number: int, *, fmt: str = "parquet", progress: ByteProgress = None) -> bytes:
        """The whole export in memory; the server streams it, so this reads it chunk by chunk.

        `progress` is called with the bytes received so far after each block, or True for a tqdm bar.
        """
        buffer = io.BytesIO()
        self._stream_into(buffer, name, number, fmt, progress)
        return buffer.getvalue()

    def download(
        self, name: str, number: int, path: str | Path, *, fmt: str = "parquet", progress: ByteProgress = None
    ) -> Path:
        """Stream the export to a file without holding it in memory."""
        target = Path(path)
        with target.open("wb") as handle:
            self._stream_into(handle, name, number, fmt, progress)
        return target

    def to_arrow(self, name: str, number: int, *, progress: ByteProgress = None) -> pa.Table:
        """The version's Parquet export as a pyarrow Table (read from memory, no temporary file)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pq.read_table(pa.BufferReader(self.export_bytes(name, number, fmt="parquet", progress=progress)))

    def to_pandas(self, name: str, number: int, *, progress: ByteProgress = None) -> pd.DataFrame:
        return self.to_arrow(name, number, progress=progress).to_pandas()

    def diff(self, name: str, *, old: int, new: int | None = None) -> dict[str, Any]:
        return self._t.json("GET", f"api/datasets/{name}/diff/", params={"old": old, "new": new})

    def _stream_into(self, handle: Any, name: str, number: int, fmt: str, progress: ByteProgress) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
        response = self._t.request(
            "GET", f"api/datasets/{name}/versions/{number}/export/{fmt}/", stream=True, headers={"Accept": "*/*"}
        )
        bar = None
        if progress is True:
            from tqdm.auto import tqdm

            bar = tqdm(unit="B", unit_scale=True, desc=f"{name} v{number}.{fmt}")
        received = 0
        try:
            with response:
                for block in response.iter_content(STREAM_CHUNK):
                    handle.write(block)
                    received += len(block)
                    if bar is not None:
                        bar.update(len(block))
                    elif callable(progress):
                        progress(received)
        finally:
            if bar is not None:
                bar.close()
