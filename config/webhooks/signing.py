"""Standard Webhooks signatures and the body of a delivery."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from config.outbox.models import OutboxEvent
from config.webhooks.models import WebhookEndpoint

SECRET_PREFIX = "whsec_"


def secret_new() -> str:
    """A 32-byte random key in the `whsec_<base64>` form the Standard Webhooks libraries read."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def body_of(event: OutboxEvent) -> str:
    """The same bytes on every attempt: type, the time the event happened (RFC 3339) and its payload."""
    stamp = event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event.event_type, "timestamp": stamp, "data": event.payload}, separators=(",", ":"))


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts (receivers may hold either)."""
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        keys.append(endpoint.previous_secret)
    return keys


def headers_for(*, msg_id: str, body: str, keys: list[str], now: datetime) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` (now, whole seconds) and one `v1,` signature per key, space separated."""
    stamp = datetime.fromtimestamp(int(now.timestamp()), tz=UTC)
    signatures = " ".join(Webhook(key).sign(msg_id, stamp, body) for key in keys)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "labeling-webhooks/1",
    }
