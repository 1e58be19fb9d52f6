"""The hand-written validators against the documented JSON Schemas (ingestion/schemas/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ingestion.messages import InvalidMessage, feedback_decode, request_decode

SCHEMAS = Path(__file__).resolve().parent.parent.parent / "ingestion" / "schemas"
GOOD_REQUEST = {
    "schema_version": 1,
    "request_id": "r1",
    "model": "ranker",
    "model_version": "v7",
    "served_at": "2026-11-01T12:00:00Z",
    "features": {"a": 1},
    "prediction": 0.3,
}
GOOD_EVENT = {"event_id": "e1", "request_id": "r1", "type": "click", "occurred_at": "2026-11-01T12:01:00+00:00"}

REQUEST_CASES = [
    ({}, False),
    (GOOD_REQUEST, True),
    ({**GOOD_REQUEST, "user_id": None, "item_id": "i", "context": {"page": 2}}, True),
    ({k: v for k, v in GOOD_REQUEST.items() if k != "prediction"}, False),
    ({**GOOD_REQUEST, "features": [1, 2]}, False),
    ({**GOOD_REQUEST, "model": 5}, False),
    ({**GOOD_REQUEST, "request_id": ""}, False),
    ({**GOOD_REQUEST, "request_id": "x" * 129}, False),
    ({**GOOD_REQUEST, "context": "page 2"}, False),
    ({**GOOD_REQUEST, "schema_version": 2}, False),
]
EVENT_CASES = [
    (GOOD_EVENT, True),
    ({**GOOD_EVENT, "value": 12.5}, True),
    ({**GOOD_EVENT, "value": "12"}, False),
    ({**GOOD_EVENT, "type": None}, False),
    ({k: v for k, v in GOOD_EVENT.items() if k != "event_id"}, False),
]


def schema_valid(name: str, document: dict) -> bool:
    schema = json.loads((SCHEMAS / name).read_text())
    return jsonschema.Draft202012Validator(schema).is_valid(document)


@pytest.mark.parametrize(("document", "valid"), REQUEST_CASES)
def test_request_validator_agrees_with_the_json_schema(document, valid):
    assert schema_valid("inference_request.v1.json", document) is valid
    raw = json.dumps(document).encode()
    if valid:
        assert request_decode(raw, max_bytes=10_000).request_id == document["request_id"]
    else:
        with pytest.raises(InvalidMessage):
            request_decode(raw, max_bytes=10_000)


@pytest.mark.parametrize(("document", "valid"), EVENT_CASES)
def test_feedback_validator_agrees_with_the_json_schema(document, valid):
    assert schema_valid("feedback_event.v1.json", document) is valid
    raw = json.dumps(document).encode()
    if valid:
        assert feedback_decode(raw, max_bytes=10_000).event_id == document["event_id"]
    else:
        with pytest.raises(InvalidMessage):
            feedback_decode(raw, max_bytes=10_000)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "malformed_json"),
        (b"\xff\xfe", "malformed_json"),
        (None, "malformed_json"),
        (b"[1, 2]", "schema"),
        (b'{"schema_version": 9}', "unsupported_version"),
        (b"{" + b" " * 20_000 + b"}", "oversized"),
    ],
)
def test_bad_bytes_get_a_reason(raw, reason):
    with pytest.raises(InvalidMessage) as info:
        request_decode(raw, max_bytes=10_000)
    assert info.value.reason == reason


def test_timestamps_need_a_time_zone():
    raw = json.dumps({**GOOD_EVENT, "occurred_at": "2026-11-01T12:01:00"}).encode()
    with pytest.raises(InvalidMessage, match="time zone"):
        feedback_decode(raw, max_bytes=10_000)
