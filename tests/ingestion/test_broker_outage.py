"""Broker outage: the broker goes away for 30 s and a new one comes back on the same port. The consumer
process must reconnect by itself (no restart) and join everything produced after the broker returned.

Tansu's memory store loses its log, its topics and the group's committed offsets on a restart, so this
test recreates the topics and checks what can be checked: the same consumer process keeps running, the
labels made before the outage are still in PostgreSQL, and every pair produced afterwards is joined.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest

from feedback.models import DirectLabel
from scripts.services import free_port, start_broker
from tests.feedback.helpers import make_rule
from tests.ingestion.kafka_helpers import labelled, produce_pairs, topics_create, unique_names, wait_for
from tests.ingestion.subprocess_consumer import consumer_env, consumer_start

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 30


def stop_broker(proc) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except Exception:  # noqa: BLE001
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_consumer_survives_a_30s_broker_outage_without_restart():
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"tansu-outage-{port}.log"
    names = unique_names("outage")
    topic_names = [names["REQUESTS_TOPIC"], names["FEEDBACK_TOPIC"], names["DEAD_LETTER_TOPIC"]]
    make_rule(model="ranker", window=timedelta(minutes=10))
    broker = start_broker(port, log)
    consumer = None
    try:
        topics_create(bootstrap, topic_names)
        consumer = consumer_start(consumer_env(bootstrap=bootstrap, names=names, group=names["GROUP"]), log_path=log)
        produce_pairs(bootstrap, names, "before-", 50)
        wait_for(lambda: labelled("before-") == 50, timeout=90, what="labels before the outage")

        # The broker goes away for 30 s; the consumer keeps running.
        stop_broker(broker)
        time.sleep(OUTAGE_SECONDS)
        assert consumer.poll() is None, "the consumer exited during the outage"
        # The worst order: the new log already holds more records than the consumer's old positions before
        # it fetches again, so those positions are valid offsets of a different log (it must not skip).
        consumer.send_signal(signal.SIGSTOP)
        try:
            broker = start_broker(port, log)
            topics_create(bootstrap, topic_names)  # the memory store lost them
            produce_pairs(bootstrap, names, "after-", 200)
        finally:
            consumer.send_signal(signal.SIGCONT)
        wait_for(lambda: labelled("after-") == 200, timeout=120, what="labels after the broker returned")
        assert consumer.poll() is None, "the consumer was restarted (it must reconnect by itself)"
        labels = DirectLabel.objects.filter(request__request_id__startswith="after-")
        assert set(labels.values_list("label", flat=True)) == {1}
        assert DirectLabel.objects.filter(request__request_id__startswith="before-").count() == 50
    finally:
        if consumer is not None and consumer.poll() is None:
            consumer.send_signal(signal.SIGTERM)
            assert consumer.wait(timeout=60) == 0  # SIGTERM: finish the batch, commit, exit cleanly
        stop_broker(broker)
