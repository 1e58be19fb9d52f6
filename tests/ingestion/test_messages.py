"""The hand-written validators against the documented JSON Schemas (ingestion/schemas/*.json)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import jsonschema
import pytest

from ingestion import messages, timestamps
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
        (None, "null_value"),
        (b"[1, 2]", "schema"),
        (b'{"schema_version": 9}', "unsupported_version"),
        (b"{" + b" " * 20_000 + b"}", "oversized"),
    ],
)
def test_bad_bytes_get_a_reason(raw, reason):
    with pytest.raises(InvalidMessage) as info:
        request_decode(raw, max_bytes=10_000)
    assert info.value.reason == reason


RFC3339_VALID = [
    ("2026-11-01T12:01:00Z", "2026-11-01T12:01:00+00:00"),
    ("2026-11-01t12:01:00z", "2026-11-01T12:01:00+00:00"),  # lower case, allowed by RFC 3339 5.6
    ("2026-11-01T12:01:00.5+02:00", "2026-11-01T12:01:00.500000+02:00"),
    ("2026-11-01T12:01:00.123456789-05:30", "2026-11-01T12:01:00.123456-05:30"),
    ("2026-11-01T12:01:00-00:00", "2026-11-01T12:01:00+00:00"),
    ("2026-12-31T23:59:60Z", "2026-12-31T23:59:59.999999+00:00"),  # leap second
]
RFC3339_INVALID = [
    "2026-11-01T12:01:00",  # no offset
    "2026-11-01 12:01:00Z",  # space separator
    "20261101T120100Z",  # basic format
    "2026-W44-7T12:01:00Z",  # ISO week date
    "2026-305T12:01:00Z",  # ordinal date
    "2026-11-01T12:01Z",  # no seconds
    "2026-11-01T12:01:00+0200",  # offset without colon
    "2026-11-01T12:01:00+02",  # hour-only offset
    "2026-11-01T12:01:00.Z",  # empty fraction
    "2026-11-01",  # date only
    "2026-13-01T12:01:00Z",  # month 13
    "2026-11-01T24:00:00Z",
    "2026-11-01T12:01:00+24:00",
    "2026-11-01T12:01:00Z ",  # trailing space
    "２026-11-01T12:01:00Z",  # a non-ASCII digit
]


@pytest.mark.parametrize(("text", "expected"), RFC3339_VALID)
def test_rfc3339_valid_forms_parse(text, expected):
    raw = json.dumps({**GOOD_EVENT, "occurred_at": text}).encode()
    assert feedback_decode(raw, max_bytes=10_000).occurred_at.isoformat() == expected


@pytest.mark.parametrize("text", RFC3339_INVALID)
def test_rfc3339_invalid_forms_are_dead_lettered(text):
    raw = json.dumps({**GOOD_REQUEST, "served_at": text}).encode()
    with pytest.raises(InvalidMessage, match="RFC 3339") as caught:
        request_decode(raw, max_bytes=10_000)
    assert caught.value.reason == "schema"


def test_big_integers_in_features_are_kept_exactly_as_strings():
    features = {"id": 2**60, "huge": -(2**70), "small": 2**53 - 1, "nested": [{"n": 2**64 + 1}], "f": 0.5}
    raw = json.dumps({**GOOD_REQUEST, "features": features, "prediction": {"item": 2**60}}).encode()
    message = request_decode(raw, max_bytes=10_000)
    assert message.features == {
        "id": str(2**60), "huge": str(-(2**70)), "small": 2**53 - 1, "nested": [{"n": str(2**64 + 1)}], "f": 0.5,
    }  # fmt: skip
    assert message.prediction == {"item": str(2**60)}
    assert int(message.features["id"]) == 1152921504606846976


def _general_parse(text: str):
    """The regex-and-fields path alone (the fast path disabled), the reference the fast path must equal."""
    saved = timestamps._COMMON
    timestamps._COMMON = re.compile(r"(?!)")
    try:
        return timestamps.rfc3339_parse(text)
    finally:
        timestamps._COMMON = saved


def test_the_fast_timestamp_path_equals_the_general_one_on_random_strings():
    rng = random.Random(20261201)

    def part(low: int, high: int) -> int:
        return rng.randint(low, high) if rng.random() > 0.05 else rng.randint(0, 99)  # some out of range

    outcomes = {"ok": 0, "error": 0}
    for _ in range(20_000):
        fraction = rng.choice(["", "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 9)))])
        offset = rng.choice(["Z", "z", "+00:00", "-00:00", f"{rng.choice('+-')}{part(0, 23):02d}:{part(0, 59):02d}"])
        text = (
            f"{rng.choice(['2026', '0001', '9999', '2024', '1900'])}-{part(1, 12):02d}-{part(1, 31):02d}"
            f"{rng.choice('TTTt')}{part(0, 23):02d}:{part(0, 59):02d}:{part(0, 60):02d}{fraction}{offset}"
        )
        try:
            fast = timestamps.rfc3339_parse(text)
        except ValueError:
            fast = None
        try:
            general = _general_parse(text)
        except ValueError:
            general = None
        assert fast == general, text
        assert fast is None or fast.utcoffset() == general.utcoffset(), text
        outcomes["ok" if fast else "error"] += 1
    assert outcomes["ok"] > 10_000 and outcomes["error"] > 1_000  # both kinds were exercised


@pytest.mark.parametrize(
    ("digits", "long_run"),
    [("9" * 15, False), ("1" * 16, True), ("12345678901234567", True), ("2026-12-01T13:27:20.287123", False)],
)
def test_the_digit_run_check_finds_every_integer_that_may_be_inexact(digits, long_run):
    assert messages._has_long_digit_run(f'{{"x": "{digits}"}}'.encode()) is long_run
