"""Build messages as bytes and feed them through the real handler (no broker), as the consumer would."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

from feedback import conf as feedback_conf
from feedback.services.rules import label_rule_create
from ingestion.handlers.feedback_join import handle_batch
from ingestion.records import BatchResult, Record

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_offsets = itertools.count()


def make_rule(model: str = "ranker", **overrides):
    params = {
        "model": model,
        "window": timedelta(minutes=10),
        "grace": timedelta(minutes=1),
        "positive_events": {"click": 1, "purchase": 5},
        "negative_events": ["dismiss"],
        "late_policy": "correct",
        "orphan_ttl": timedelta(hours=1),
    }
    params.update(overrides)
    return label_rule_create(**params)


def request_bytes(request_id: str, *, model: str = "ranker", served_at: datetime = T0, user_id: str | None = "u1",
                  features: dict | None = None) -> bytes:  # fmt: skip
    return json.dumps(
        {
            "schema_version": 1,
            "request_id": request_id,
            "model": model,
            "model_version": "v7",
            "served_at": served_at.isoformat(),
            "features": features if features is not None else {"position": 3, "email": "a@b.c", "ip": "10.0.0.1"},
            "prediction": {"score": 0.7},
            "user_id": user_id,
        }
    ).encode()


def event_bytes(event_id: str, request_id: str, event_type: str = "click", *, at: datetime | None = None) -> bytes:
    return json.dumps(
        {
            "schema_version": 1,
            "event_id": event_id,
            "request_id": request_id,
            "type": event_type,
            "occurred_at": (at or T0 + timedelta(minutes=1)).isoformat(),
        }
    ).encode()


def req(payload: bytes) -> Record:
    return Record(feedback_conf.requests_topic(), 0, next(_offsets), payload)


def fb(payload: bytes) -> Record:
    return Record(feedback_conf.feedback_topic(), 0, next(_offsets), payload)


def feed(*records: Record) -> BatchResult:
    return handle_batch(list(records), consumer="test")
