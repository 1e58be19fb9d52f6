"""Webhook endpoints (staff): register, change, rotate the secret, read and replay deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labeling_client.pagination import Paginated
from labeling_client.resources.base import Resource, object_id
from labeling_client.types import Webhook


class Webhooks(Resource):
    def create(
        self,
        url: str,
        *,
        event_types: Sequence[str],
        project: int | dict | None = None,
        description: str = "",
    ) -> Webhook:
        """Register an endpoint; the answer holds its signing `secret` (whsec_...), shown this once."""
        body = {
            "url": url,
            "event_types": list(event_types),
            "project": object_id(project) if project is not None else None,
            "description": description,
        }
        return self._t.json("POST", "api/webhooks/", json=body)

    def list(self, *, page_size: int = 100) -> Paginated[Webhook]:
        return Paginated(self._t, "api/webhooks/", page_size=page_size)

    def get(self, webhook: int | Webhook) -> Webhook:
        return self._t.json("GET", f"api/webhooks/{object_id(webhook)}/")

    def update(self, webhook: int | Webhook, **fields: Any) -> Webhook:
        return self._t.json("PATCH", f"api/webhooks/{object_id(webhook)}/", json=fields)

    def delete(self, webhook: int | Webhook) -> None:
        self._t.json("DELETE", f"api/webhooks/{object_id(webhook)}/")

    def rotate_secret(self, webhook: int | Webhook) -> dict[str, Any]:
        """A new secret; the old one keeps verifying until `previous_secret_expires_at`."""
        return self._t.json("POST", f"api/webhooks/{object_id(webhook)}/rotate-secret/")

    def deliveries(self, webhook: int | Webhook, *, page_size: int = 100) -> Paginated[dict[str, Any]]:
        return Paginated(self._t, f"api/webhooks/{object_id(webhook)}/deliveries/", page_size=page_size)

    def redeliver(self, delivery_id: int | str) -> dict[str, Any] | None:
        return self._t.json("POST", f"api/webhooks/deliveries/{delivery_id}/redeliver/")
