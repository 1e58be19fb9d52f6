"""Annotations, resolutions and adjudication, read page by page."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeling_client.pagination import Paginated
from labeling_client.resources.base import Resource, object_id
from labeling_client.resources.projects import ProjectRef
from labeling_client.types import Annotation, Resolution, ResolvedLabel

if TYPE_CHECKING:
    import pandas as pd


class Annotations(Resource):
    def list(self, *, project: ProjectRef | None = None, page_size: int = 1000) -> Paginated[Annotation]:
        """A rater sees only their own annotations; staff every one (with item and rater ids)."""
        params = {"project": object_id(project) if project is not None else None}
        return Paginated(self._t, "api/annotations/", params, page_size=page_size)

    def import_table(
        self,
        project: str,
        labels: pd.DataFrame | str | Path | Iterable[Sequence[Any]],
        *,
        gold: pd.DataFrame | str | Path | Iterable[Sequence[Any]] | None = None,
        create: bool = False,
        label_type: str | None = None,
        categories: Sequence[str] | None = None,
        method: str | None = None,
        duplicates: str = "error",
    ) -> dict[str, Any]:
        """Staff: bring your own crowd labels (item, rater, value) and optional gold (item, value).

        `labels` is a DataFrame with those columns, a CSV/TSV path, or rows of (item, rater, value); the
        project is named (and created with `create`, a `label_type` and `categories`). Returns the summary.
        """
        fields: dict[str, Any] = {"project": project, "create": str(create).lower(), "duplicates": duplicates}
        if label_type:
            fields["label_type"] = label_type
        if categories:
            fields["categories"] = ",".join(categories)
        if method:
            fields["method"] = method
        files = {"file": _table_file(labels, ("item", "rater", "value"))}
        if gold is not None:
            files["gold"] = _table_file(gold, ("item", "value"))
        return self._t.json("POST", "api/annotation-imports/", data=fields, files=files)


class Resolutions(Resource):
    def resolve(self, project: ProjectRef, *, method: str | None = None, now: bool = True) -> dict[str, Any]:
        """Refit and resolve the project: at once (`now`, returns the summary) or queued to a worker."""
        body: dict[str, Any] = {"run": "now" if now else "async"}
        if method:
            body["method"] = method
        return self._t.json("POST", f"api/projects/{object_id(project)}/resolve/", json=body)

    def history(self, item_id: int) -> list[Resolution]:
        """Every resolution of one item, the current one flagged `is_current`."""
        return self._t.json("GET", f"api/items/{item_id}/resolutions/")

    def current(self, item_id: int) -> Resolution | None:
        return next((r for r in self.history(item_id) if r.get("is_current")), None)

    def adjudication_queue(self, project: ProjectRef, *, page_size: int = 100) -> Paginated[Resolution]:
        return Paginated(self._t, f"api/projects/{object_id(project)}/adjudication-queue/", page_size=page_size)

    def adjudicate(self, resolution_id: int, label: Any, *, rationale: str = "") -> Resolution:
        return self._t.json(
            "POST", f"api/resolutions/{resolution_id}/adjudicate/", json={"label": label, "rationale": rationale}
        )


class Labels(Resource):
    def resolved(
        self, project: ProjectRef, *, since: str | None = None, page_size: int = 1000
    ) -> Paginated[ResolvedLabel]:
        """Resolved labels for retraining, oldest first; `since` is an RFC 3339 time (or a datetime's isoformat)."""
        return Paginated(
            self._t, f"api/projects/{object_id(project)}/labels/", {"since": _rfc3339(since)}, page_size=page_size
        )


def _table_file(source: Any, columns: tuple[str, ...]) -> tuple[str, bytes, str]:
    """A CSV upload built in memory (a path is sent as it is; .tsv/.tab keep their tab separator)."""
    if isinstance(source, str | Path):
        path = Path(source)
        return path.name, path.read_bytes(), "text/csv"
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if hasattr(source, "to_csv"):
        source[list(columns)].to_csv(buffer, index=False)
    else:
        writer.writerow(columns)
        writer.writerows(source)
    return "labels.csv", buffer.getvalue().encode(), "text/csv"


def _rfc3339(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()
