"""Windows close on the consumer's event-time watermark, not only on the wall clock: a consumer held back
past the grace period while beat runs turns no in-window click late and emits no negative early."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from kafka import KafkaProducer

from feedback.models import DirectLabel, FeedbackEvent, InferenceRequest
from feedback.selectors.watermarks import feedback_low_watermark
from feedback.tasks import close_due_windows
from ingestion.registry import consumer_get
from ingestion.runner import ConsumerRunner
from tests.feedback.helpers import event_bytes, make_rule, request_bytes
from tests.ingestion.kafka_helpers import RunnerThread, feedback_join_topics, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def topics(settings, kafka_bootstrap):
    return feedback_join_topics(settings, kafka_bootstrap, "wm", IDLE_PARTITION_LATENESS_S=1)


def test_a_lagging_consumer_holds_windows_open_and_an_idle_partition_does_not(topics, kafka_bootstrap):
    # Given a 2 s window + 1 s grace, 20 requests, and a consumer that has read them all.
    make_rule(model="fast", window=timedelta(seconds=2), grace=timedelta(seconds=1))
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    served = timezone.now()
    clicked = [f"c{i}" for i in range(10)]
    silent = [f"s{i}" for i in range(10)]
    for request_id in clicked + silent:
        value = request_bytes(request_id, model="fast", served_at=served)
        producer.send(topics["REQUESTS_TOPIC"], key=request_id.encode(), value=value)
    producer.flush()
    thread = RunnerThread(ConsumerRunner(consumer_get("feedback-join")))
    thread.start()
    try:
        wait_for(lambda: InferenceRequest.objects.filter(state="open").count() == 20, timeout=60, what="requests")
    finally:
        thread.stop()  # the consumer is held back from here on

    # When: clicks 1 s after serving (inside the window) are produced while the consumer is stopped, all
    # to partition 0 (partition 1 of the feedback topic stays idle), and beat runs long past the deadline.
    for i, request_id in enumerate(clicked):
        producer.send(topics["FEEDBACK_TOPIC"], partition=0, key=request_id.encode(),
                      value=event_bytes(f"e{i}", request_id, at=served + timedelta(seconds=1)))  # fmt: skip
    producer.flush()
    close_at = InferenceRequest.objects.get(pk="c0").close_at
    while timezone.now() < close_at + timedelta(seconds=3):  # the wall deadline and the lateness pass
        time.sleep(0.2)
    held = close_due_windows()

    # Then: nothing closed, no negative emitted: the watermark is behind (the consumer has not read on).
    assert held["closed"] == 0 and held["negatives"] == 0 and held["held_by_watermark"] == 20
    assert not DirectLabel.objects.exists()
    assert feedback_low_watermark() < close_at

    # When the consumer catches up, the clicks are applied inside their windows...
    thread = RunnerThread(ConsumerRunner(consumer_get("feedback-join")))
    thread.start()
    try:
        wait_for(lambda: FeedbackEvent.objects.count() == 10, timeout=60, what="the clicks")
        # ...and the watermark passes the windows' end even though partition 1 never carries a record.
        wait_for(lambda: (feedback_low_watermark() or close_at) > close_at, timeout=20, what="the watermark")
        closed = close_due_windows()
    finally:
        thread.stop()
        producer.close()
    assert set(FeedbackEvent.objects.values_list("status", flat=True)) == {"applied"}
    assert closed["closed"] == 20 and closed["negatives"] == 10
    labels = dict(DirectLabel.objects.filter(is_current=True).values_list("request_id", "label"))
    assert labels == {**{r: 1 for r in clicked}, **{r: 0 for r in silent}}
    assert not DirectLabel.objects.filter(source="late").exists()
    assert DirectLabel.objects.count() == 20  # one version each: nothing was corrected after the fact
