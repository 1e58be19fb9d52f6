"""The feedback-join handler: decode and validate both topics, apply privacy, call the join service.

Thin on purpose: the join rules live in feedback.services.join; this only turns bytes into rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import orjson
from django.db import transaction
from django.utils import timezone

from feedback import conf as feedback_conf
from feedback.services.counters import counters_add
from feedback.services.join import EventRow, RequestRow, feedback_batch_join
from feedback.services.serving_statistics import (
    StatisticsPartial,
    serving_statistics_partials,
    serving_statistics_record,
)
from ingestion.dead_letters import dead_letters_record
from ingestion.messages import InvalidMessage, feedback_decode, request_decode
from ingestion.privacy import features_apply_privacy, payload_redact, privacy_policy
from ingestion.records import BatchResult, DeadLetterRecord, Record


def sample_key(request_id: str) -> float:
    """A deterministic [0, 1) number per request, so negative downsampling is the same on every replay."""
    return int.from_bytes(hashlib.blake2b(request_id.encode(), digest_size=8).digest(), "big") / 2**64


def _dumps(value: object) -> str:
    text = orjson.dumps(value).decode()
    if "\\u0000" in text:  # jsonb cannot hold NUL
        raise InvalidMessage("schema", "JSON value contains a NUL character")
    return text


def records_decode(records: list[Record]) -> tuple[list[RequestRow], list[EventRow], list[DeadLetterRecord]]:
    requests, events, dead, _ = records_decode_timed(records)
    return requests, events, dead


def records_decode_timed(
    records: list[Record],
) -> tuple[list[RequestRow], list[EventRow], list[DeadLetterRecord], dict[tuple[str, int], datetime]]:
    """Also returns, per partition, the latest event time read (served_at / occurred_at, capped at the wall
    clock so one message from a wrong clock cannot push the watermark into the future)."""
    requests_topic, feedback_topic = feedback_conf.requests_topic(), feedback_conf.feedback_topic()
    event_times: dict[tuple[str, int], datetime] = {}
    cap = timezone.now()
    max_bytes = feedback_conf.max_message_bytes()
    policy = privacy_policy()
    requests: list[RequestRow] = []
    events: list[EventRow] = []
    dead: list[DeadLetterRecord] = []
    for record in records:
        try:
            if record.topic == requests_topic:
                message = request_decode(record.value, max_bytes=max_bytes)
                _advance(event_times, record, message.served_at, cap)
                if policy.is_opted_out(message.user_id):
                    requests.append(RequestRow(request_id=message.request_id, state="suppressed"))
                    continue
                features = features_apply_privacy(message.features, policy=policy)
                requests.append(
                    RequestRow(
                        request_id=message.request_id,
                        state="request",
                        model=message.model,
                        model_version=message.model_version,
                        served_at=message.served_at,
                        features_json=_dumps(features),
                        prediction_json=_dumps(message.prediction),
                        user_id=message.user_id,
                        item_id=message.item_id,
                        context_json=None if message.context is None else _dumps(message.context),
                        sample_key=sample_key(message.request_id),
                        features=features,
                    )
                )
            elif record.topic == feedback_topic:
                event = feedback_decode(record.value, max_bytes=max_bytes)
                _advance(event_times, record, event.occurred_at, cap)
                events.append(
                    EventRow(
                        event_id=event.event_id,
                        request_id=event.request_id,
                        type=event.type,
                        occurred_at=event.occurred_at,
                        value=event.value,
                    )
                )
            else:
                raise InvalidMessage("unknown_topic", record.topic)
        except InvalidMessage as exc:
            redacted = payload_redact(record.value, policy=policy)
            dead.append(DeadLetterRecord(record=record, reason=exc.reason, detail=exc.detail, redacted=redacted))
    return requests, events, dead, event_times


def _advance(event_times: dict[tuple[str, int], datetime], record: Record, at: datetime, cap: datetime) -> None:
    key = (record.topic, record.partition)
    at = min(at, cap)
    if key not in event_times or event_times[key] < at:
        event_times[key] = at


@dataclass(slots=True)
class PreparedBatch:
    """A batch decoded and validated, ready for the database (built on the runner's polling thread)."""

    requests: list[RequestRow]
    events: list[EventRow]
    dead: list[DeadLetterRecord]
    event_times: dict[tuple[str, int], datetime]
    statistics: list[StatisticsPartial]


def prepare_batch(records: list[Record]) -> PreparedBatch:
    """CPU-only half of the handler: the runner runs it while the previous batch is being written."""
    requests, events, dead, event_times = records_decode_timed(records)
    statistics = serving_statistics_partials(requests=requests, now=timezone.now())  # features already redacted
    return PreparedBatch(requests, events, dead, event_times, statistics)


def handle_batch(records: list[Record], *, consumer: str, prepared: PreparedBatch | None = None) -> BatchResult:
    """Runs inside the runner's transaction; the runner commits offsets after it commits."""
    now = timezone.now()
    batch = prepared if prepared is not None else prepare_batch(records)
    with transaction.atomic(savepoint=False):  # inside the runner's transaction; a savepoint is 2 round trips
        outcome = feedback_batch_join(requests=batch.requests, events=batch.events, now=now)
        serving_statistics_record(partials=batch.statistics, now=now)
        dead_letters_record(consumer=consumer, dead_letters=batch.dead, now=now)
        if batch.dead:
            counters_add(values={"dead_letters": len(batch.dead)}, now=now)
    stats = outcome.counters()
    stats["dead_letters"] = len(batch.dead)
    return BatchResult(dead_letters=batch.dead, stats=stats, event_times=batch.event_times)
