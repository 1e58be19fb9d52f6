"""Direct labels to Kafka through the outbox: the topic read back by an independent client equals the table."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from kafka import KafkaConsumer

from config.outbox.models import Channel, OutboxEvent
from feedback.models import DirectLabel
from feedback.services.windows import windows_close_due
from ingestion.outbox_relay import relay_producer, stream_relay_once
from tests.feedback.helpers import T0, event_bytes, fb, feed, make_rule, req, request_bytes
from tests.ingestion.kafka_helpers import topics_create

pytestmark = pytest.mark.django_db

N = 40


def read_topic(bootstrap: str, topic: str, expected: int) -> list:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"check-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=15000,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    records = []
    try:
        for message in consumer:
            records.append(message)
            if len(records) >= expected:
                break
    finally:
        consumer.close()
    return records


def test_the_topic_equals_the_direct_label_table_with_corrections(settings, kafka_bootstrap):
    topic = f"direct-labels-{uuid.uuid4().hex[:8]}"
    settings.FEEDBACK = {**settings.FEEDBACK, "DIRECT_LABELS_STREAM": True, "DIRECT_LABELS_TOPIC": topic}
    topics_create(kafka_bootstrap, [topic], partitions=3)
    make_rule(late_policy="correct")
    # Given requests, clicks on a third of them inside the window, and the windows closed (final labels)
    feed(*[req(request_bytes(f"r{i:03d}")) for i in range(N)])
    feed(*[fb(event_bytes(f"e{i}", f"r{i:03d}")) for i in range(0, N, 3)])
    windows_close_due(now=T0 + timedelta(minutes=12), watermark=T0 + timedelta(minutes=12))
    # And late clicks that flip some closed negatives into positives (a second version each)
    late = [f"r{i:03d}" for i in range(1, N, 5) if i % 3]  # negatives (clicked ones stay positive)
    feed(*[fb(event_bytes(f"late-{r}", r, at=T0 + timedelta(minutes=30))) for r in late])
    feed(*[fb(event_bytes(f"late-{r}", r, at=T0 + timedelta(minutes=30))) for r in late])  # a replayed batch

    # When the relay publishes the outbox (twice: the second run finds nothing left)
    producer = relay_producer(bootstrap_servers=kafka_bootstrap)
    try:
        published = stream_relay_once(producer=producer)
        assert stream_relay_once(producer=producer) == 0
    finally:
        producer.close()

    # Then an independent consumer reads exactly the table's final versions, each request's in version order
    table = {
        (label.request_id, label.version): label
        for label in DirectLabel.objects.filter(is_final=True).order_by("request_id", "version")
    }
    corrected = {rid for rid, version in table if version == 2}
    assert corrected == set(late) and published == len(table)
    records = read_topic(kafka_bootstrap, topic, len(table))
    assert len(records) == len(table)
    seen: dict[str, list[int]] = {}
    for message in records:
        value = json.loads(message.value)
        assert message.key.decode() == value["request_id"]
        label = table[(value["request_id"], value["version"])]
        assert (value["label"], value["weight"], value["source"], value["model_version"]) == (
            label.label, label.weight, label.source, label.model_version,
        )  # fmt: skip
        assert value["schema_version"] == 1 and value["feedback_event_ids"] == label.feedback_event_ids
        assert value["features"] == label.features and value["user_id"] == label.user_id
        assert dict(message.headers)["event-id"].decode().startswith("evt_")
        seen.setdefault(value["request_id"], []).append(value["version"])
    assert {(rid, v) for rid, versions in seen.items() for v in versions} == set(table)
    for rid in corrected:
        assert seen[rid] == [1, 2], "a request's versions arrive in order"
        flipped = [json.loads(m.value)["label"] for m in records if m.key.decode() == rid]
        assert flipped == [0.0, 1.0]
    assert not OutboxEvent.objects.filter(channel=Channel.STREAM, published_at__isnull=True).exists()


def test_off_by_default_no_stream_rows(settings):
    make_rule()
    feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1")))
    windows_close_due(now=T0 + timedelta(minutes=12), watermark=T0 + timedelta(minutes=12))
    assert not OutboxEvent.objects.filter(channel=Channel.STREAM).exists()
    # The batched webhook event is written either way
    event = OutboxEvent.objects.get(event_type="direct_label.finalised")
    assert event.payload["count"] == 1 and event.payload["labels"][0]["request_id"] == "r1"
