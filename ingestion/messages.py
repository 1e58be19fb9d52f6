"""Decode and validate the two message kinds (docs/feedback-messages.md). Hand-written checks, because
jsonschema costs more per message than the whole join; tests prove they agree with the JSON Schemas in
ingestion/schemas/."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from ingestion.timestamps import rfc3339_parse

SUPPORTED_SCHEMA_VERSIONS = {1}
# Integers a float64 (JavaScript, pandas) holds exactly; beyond them an integer is kept as its decimal string.
EXACT_INT_LIMIT = 2**53 - 1
# A run of 16 digits (every integer beyond 2^53 has one): digits mapped to "0" by bytes.translate, then a
# substring search; both are C loops, several times faster per message than a regex scan.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_SIXTEEN_DIGITS = b"0" * 16


def _has_long_digit_run(raw: bytes) -> bool:
    return _SIXTEEN_DIGITS in raw.translate(_DIGITS_TO_ZERO)


class InvalidMessage(Exception):
    """A message that goes to the dead-letter topic; `reason` is a short machine-readable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class RequestMessage:
    request_id: str
    model: str
    model_version: str
    served_at: datetime
    features: dict
    prediction: Any
    user_id: str | None
    item_id: str | None
    context: dict | None


@dataclass(slots=True)
class FeedbackMessage:
    event_id: str
    request_id: str
    type: str
    occurred_at: datetime
    value: float | None


def _load(raw: bytes | None, max_bytes: int) -> dict:
    if raw is None:
        raise InvalidMessage("null_value", "null message value")
    if len(raw) > max_bytes:
        raise InvalidMessage("oversized", f"{len(raw)} bytes > {max_bytes}")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidMessage("malformed_json", str(exc)[:200])
    if _has_long_digit_run(raw):
        # orjson turns integers beyond 64 bits into floats; the standard library keeps every integer exact.
        data = json.loads(raw)
        for name in ("features", "prediction", "context"):
            if name in data:
                data[name] = _exact_ints(data[name])
    if not isinstance(data, dict):
        raise InvalidMessage("schema", "top level must be an object")
    version = data.get("schema_version", 1)
    if version not in SUPPORTED_SCHEMA_VERSIONS or isinstance(version, bool):
        raise InvalidMessage("unsupported_version", f"schema_version {version!r}")
    return data


def _exact_ints(value: Any) -> Any:
    """Integers beyond ±(2^53 - 1) as decimal strings, so no reader of the stored JSON rounds them."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > EXACT_INT_LIMIT else value
    if isinstance(value, dict):
        return {k: _exact_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact_ints(v) for v in value]
    return value


def _string(data: dict, name: str, max_length: int, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidMessage("schema", f"{name} is required")
        return None
    if not isinstance(value, str):
        raise InvalidMessage("schema", f"{name} must be a string")
    if not 0 < len(value) <= max_length:
        raise InvalidMessage("schema", f"{name} must be 1..{max_length} characters")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise InvalidMessage("schema", f"{name} contains a NUL character")
    return value


def _timestamp(data: dict, name: str) -> datetime:
    value = data.get(name)
    if not isinstance(value, str):
        raise InvalidMessage("schema", f"{name} must be an RFC 3339 string")
    try:
        return rfc3339_parse(value)
    except ValueError as exc:
        raise InvalidMessage("schema", f"{name} is not an RFC 3339 timestamp: {exc}")


def request_decode(raw: bytes | None, *, max_bytes: int) -> RequestMessage:
    data = _load(raw, max_bytes)
    features = data.get("features")
    if not isinstance(features, dict):
        raise InvalidMessage("schema", "features must be an object")
    if "prediction" not in data:
        raise InvalidMessage("schema", "prediction is required")
    context = data.get("context")
    if context is not None and not isinstance(context, dict):
        raise InvalidMessage("schema", "context must be an object")
    return RequestMessage(
        request_id=_string(data, "request_id", 128),
        model=_string(data, "model", 200),
        model_version=_string(data, "model_version", 100),
        served_at=_timestamp(data, "served_at"),
        features=features,
        prediction=data["prediction"],
        user_id=_string(data, "user_id", 200, required=False),
        item_id=_string(data, "item_id", 200, required=False),
        context=context,
    )


def feedback_decode(raw: bytes | None, *, max_bytes: int) -> FeedbackMessage:
    data = _load(raw, max_bytes)
    value = data.get("value")
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidMessage("schema", "value must be a finite number")
        value = float(value)
    return FeedbackMessage(
        event_id=_string(data, "event_id", 128),
        request_id=_string(data, "request_id", 128),
        type=_string(data, "type", 64),
        occurred_at=_timestamp(data, "occurred_at"),
        value=value,
    )
