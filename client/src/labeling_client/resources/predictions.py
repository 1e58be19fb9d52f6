"""Model predictions: upload in chunks, list by model and version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from labeling_client.pagination import Paginated
from labeling_client.resources.base import Resource, object_id
from labeling_client.resources.projects import ProjectRef
from labeling_client.resources.records import chunks
from labeling_client.types import Prediction

if TYPE_CHECKING:
    import pandas as pd

PREDICTION_KEYS = ("item", "value", "score", "probabilities")


class Predictions(Resource):
    def upload(
        self,
        project: ProjectRef,
        predictions: Iterable[Mapping[str, Any]] | pd.DataFrame,
        *,
        model: str,
        version: str,
        chunk_size: int = 1000,
    ) -> dict[str, Any]:
        """Upload predictions ({"item": external id, "value", "score"?, "probabilities"?}); returns the totals.

        A refused chunk raises BadRequestError with code `invalid_predictions` and `extra["errors"]`
        ({index, field, message}), indices counted over the whole input.
        """
        from labeling_client.errors import BadRequestError

        rows = _rows(predictions)
        created = sent = 0
        path = f"api/projects/{object_id(project)}/predictions/"
        for chunk in chunks(rows, chunk_size):
            body = {"model": model, "version": version, "predictions": chunk}
            try:
                answer = self._t.json("POST", path, json=body)
            except BadRequestError as exc:
                errors = exc.extra.get("errors")
                if sent and isinstance(errors, list):
                    exc.extra["errors"] = [
                        {**e, "index": e["index"] + sent} if isinstance(e.get("index"), int) else e for e in errors
                    ]
                raise
            created += int(answer.get("created", 0))
            sent += len(chunk)
        return {"created": created, "sent": sent, "model": model, "version": version}

    def list(
        self, project: ProjectRef, *, model: str | None = None, version: str | None = None, page_size: int = 1000
    ) -> Paginated[Prediction]:
        params = {"model": model, "version": version}
        return Paginated(self._t, f"api/projects/{object_id(project)}/predictions/", params, page_size=page_size)


def _rows(predictions: Any) -> Iterable[dict[str, Any]]:
    if hasattr(predictions, "iloc") and hasattr(predictions, "columns"):
        import math

        def clean(value: Any) -> Any:
            if isinstance(value, float) and math.isnan(value):
                return None
            return value.item() if hasattr(value, "item") and not isinstance(value, dict | list | str) else value

        keys = [k for k in PREDICTION_KEYS if k in predictions.columns]
        return ({k: clean(row[k]) for k in keys} for row in predictions.to_dict("records"))
    return (dict(p) for p in predictions)
