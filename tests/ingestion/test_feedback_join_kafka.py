"""The feedback-join consumer against the real broker: ordering, duplicates, bad input, late, orphans,
negatives with no further traffic, the dead-letter topic and the health figures."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from kafka import KafkaConsumer, KafkaProducer

from feedback.models import DirectLabel, FeedbackEvent, InferenceRequest
from feedback.selectors.health import feedback_health
from feedback.selectors.watermarks import feedback_low_watermark
from feedback.tasks import close_due_windows
from ingestion.models import DeadLetter
from ingestion.registry import consumer_get
from ingestion.runner import ConsumerRunner
from tests.feedback.helpers import event_bytes, make_rule, request_bytes
from tests.ingestion.kafka_helpers import RunnerThread, feedback_join_topics, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def topics(settings, kafka_bootstrap):
    return feedback_join_topics(settings, kafka_bootstrap, "join", IDLE_PARTITION_LATENESS_S=1)


def label_of(request_id: str) -> DirectLabel | None:
    return DirectLabel.objects.filter(request_id=request_id, is_current=True).first()


def test_consumer_joins_out_of_order_duplicated_late_malformed_and_orphan_traffic(topics, kafka_bootstrap):
    # Given a rule with a 10-minute window and one whose window is 1 s + 1 s grace.
    make_rule(model="ranker", orphan_ttl=timedelta(minutes=5))
    make_rule(model="fast", window=timedelta(seconds=1), grace=timedelta(seconds=1), orphan_ttl=timedelta(minutes=5))
    now = timezone.now()
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    req_topic, fb_topic = topics["REQUESTS_TOPIC"], topics["FEEDBACK_TOPIC"]

    def send(topic: str, value: bytes, key: str = "k") -> None:
        producer.send(topic, key=key.encode(), value=value)

    runner = ConsumerRunner(consumer_get("feedback-join"))
    thread = RunnerThread(runner)
    thread.start()
    try:
        # When: an out-of-order pair (click before its request), a duplicated pair, a malformed message
        # between two good requests on the same partition, feedback that never gets a request,
        # a request served 20 minutes ago, and a "fast" request nobody reacts to.
        send(fb_topic, event_bytes("ooo-e", "ooo", at=now + timedelta(seconds=5)))
        send(req_topic, request_bytes("good-1", served_at=now))
        send(req_topic, b'{"request_id": "broken", "model": ')
        send(req_topic, json.dumps({"request_id": "typed", "model": 5}).encode())
        send(req_topic, request_bytes("good-2", served_at=now))
        send(req_topic, request_bytes("ooo", served_at=now))
        for _ in range(2):
            send(req_topic, request_bytes("dup", served_at=now))
            send(fb_topic, event_bytes("dup-e", "dup", "purchase", at=now + timedelta(seconds=3)))
        send(fb_topic, event_bytes("orphan-e", "never-served", at=now))
        send(req_topic, request_bytes("old", served_at=now - timedelta(minutes=20)))
        send(req_topic, request_bytes("quiet", model="fast", served_at=timezone.now()))
        producer.flush()

        wait_for(lambda: InferenceRequest.objects.filter(pk="quiet").exists(), timeout=60, what="first batch")
        wait_for(lambda: DeadLetter.objects.count() == 2, timeout=30, what="dead letters")

        # Then: pairs are joined whatever the order, once.
        assert label_of("ooo").label == 1 and label_of("ooo").feedback_event_ids == ["ooo-e"]
        dup = DirectLabel.objects.filter(request_id="dup")
        assert dup.count() == 1 and (dup[0].label, dup[0].weight) == (1, 5)
        assert FeedbackEvent.objects.filter(pk="dup-e").count() == 1
        # The malformed messages did not stop the partition: both neighbours were stored.
        assert InferenceRequest.objects.filter(pk__in=["good-1", "good-2"]).count() == 2
        assert set(DeadLetter.objects.values_list("reason", flat=True)) == {"malformed_json", "schema"}
        # Feedback with no request waits (pending), a placeholder holds its join key.
        assert FeedbackEvent.objects.get(pk="orphan-e").status == "pending"

        # Negatives appear with no further traffic: only the wall clock (the beat task) moves.
        assert label_of("quiet") is None
        wait_for(lambda: timezone.now() > InferenceRequest.objects.get(pk="quiet").close_at, timeout=5, what="close")
        close_at = InferenceRequest.objects.get(pk="quiet").close_at
        wait_for(lambda: (feedback_low_watermark() or close_at) > close_at, timeout=20, what="the watermark")
        result = close_due_windows()
        assert result["closed"] >= 2  # "quiet" and "old"
        assert (label_of("quiet").label, label_of("quiet").source) == (0, "window_closed")
        assert label_of("old").label == 0

        # Late feedback on the closed "old" window corrects it as version 2 (rule: correct).
        send(fb_topic, event_bytes("late-e", "old", at=now))
        producer.flush()
        wait_for(lambda: FeedbackEvent.objects.filter(pk="late-e").exists(), timeout=30, what="late event")
        assert FeedbackEvent.objects.get(pk="late-e").status == "late_applied"
        versions = DirectLabel.objects.filter(request_id="old").order_by("version")
        assert [(v.version, v.label, v.is_current) for v in versions] == [(1, 0, False), (2, 1, True)]
    finally:
        thread.stop()
        producer.close()

    # The orphan is declared after the TTL, counted and kept.
    assert close_due_windows.run() is not None
    from feedback.services.windows import windows_close_due

    assert windows_close_due(now=timezone.now() + timedelta(minutes=6)).orphan_events == 1
    assert FeedbackEvent.objects.get(pk="orphan-e").status == "orphan"

    # Dead letters reached the dead-letter topic with their reason and original bytes.
    dlq = KafkaConsumer(
        topics["DEAD_LETTER_TOPIC"], bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )  # fmt: skip
    messages = list(dlq)
    dlq.close()
    assert b'{"request_id": "broken", "model": ' in [m.value for m in messages]
    assert {dict(m.headers)["reason"] for m in messages} == {b"malformed_json", b"schema"}

    # Health figures add up.
    health = feedback_health()
    assert health["dead_letters"] == 2 and health["orphans"] == 1 and health["late_applied"] == 1
    assert health["dead_letter_reasons"] == {"malformed_json": 1, "schema": 1}
    assert any(row["topic"] == topics["REQUESTS_TOPIC"] and row["lag"] == 0 for row in health["lag"])
    assert 0 < health["join_rate"] <= 1 and health["positive_rate"] is not None


def test_sigterm_finishes_the_batch_commits_and_exits(topics, kafka_bootstrap):
    make_rule(model="ranker")
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    for i in range(300):
        producer.send(topics["REQUESTS_TOPIC"], key=b"k", value=request_bytes(f"s{i}"))
    producer.flush()
    producer.close()
    runner = ConsumerRunner(consumer_get("feedback-join"))
    thread = RunnerThread(runner)
    thread.start()
    wait_for(lambda: InferenceRequest.objects.exists(), timeout=60, what="first batch")
    thread.stop()  # what the SIGTERM handler does
    assert not thread.is_alive()
    # Everything stored was committed to Kafka: a new consumer in the group sees nothing already stored.
    stored = InferenceRequest.objects.count()
    consumer = KafkaConsumer(
        topics["REQUESTS_TOPIC"], bootstrap_servers=kafka_bootstrap, group_id=topics["GROUP"],
        enable_auto_commit=False, consumer_timeout_ms=8000, session_timeout_ms=6000, heartbeat_interval_ms=1000,
    )  # fmt: skip
    remaining = [json.loads(m.value)["request_id"] for m in consumer]
    consumer.close()
    assert stored + len(remaining) == 300
    assert not InferenceRequest.objects.filter(pk__in=remaining).exists()
