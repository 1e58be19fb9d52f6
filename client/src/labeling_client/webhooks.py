"""Verify a webhook delivery in your receiver (Standard Webhooks: signed id + timestamp + body).

    from labeling_client.webhooks import verify
    event = verify(request.body, request.headers, secret)   # raises SignatureError if forged or stale

Pass the raw body bytes exactly as received (not re-serialised JSON). During a secret rotation pass both
secrets, newest first: a delivery signed with either verifies. De-duplicate on `webhook-id`: deliveries
are at least once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from labeling_client.errors import SignatureError


def verify(body: bytes | str, headers: Mapping[str, str], secret: str | Sequence[str]) -> dict[str, Any]:
    """The decoded event `{"type", "timestamp", "data"}` if the signature verifies with a secret given."""
    try:
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("verify needs the webhooks extra: pip install 'labeling-client[webhooks]'") from exc
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets:
        raise ValueError("Give at least one secret.")
    plain = {str(k): str(v) for k, v in headers.items()}
    reason = "no secret matched"
    for candidate in secrets:
        try:
            event = Webhook(candidate).verify(body, plain)
        except WebhookVerificationError as exc:
            reason = str(exc)
            continue
        except (ValueError, TypeError) as exc:  # a malformed signature header or secret
            reason = f"malformed signature or secret: {exc}"
            continue
        if not isinstance(event, dict):
            raise SignatureError("The signed body is not a JSON object.")
        return event
    raise SignatureError(f"Webhook signature did not verify: {reason}.")


def webhook_id(headers: Mapping[str, str]) -> str | None:
    """The delivery's stable id (the same on every retry): the key to de-duplicate on."""
    return next((str(v) for k, v in headers.items() if str(k).lower() == "webhook-id"), None)
