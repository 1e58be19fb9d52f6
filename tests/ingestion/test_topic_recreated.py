"""A careless admin deletes the consumer's topics and creates them again while it runs (or a broker comes
back without its log). Offsets start at 0 again, so the consumer's positions point into a different log:
where the new log is already longer, a plain consumer fetches on from there and silently skips the new
log's first records. The runner notices the new topic id and reads the recreated topics from the start."""

from __future__ import annotations

import signal
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

from ingestion.models import ConsumerOffset
from tests.feedback.helpers import make_rule
from tests.ingestion.kafka_helpers import (
    labelled,
    produce_pairs,
    topics_create,
    topics_delete,
    unique_names,
    wait_for,
)
from tests.ingestion.subprocess_consumer import consumer_env, consumer_start

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(transaction=True)]


def test_topics_deleted_and_created_again_are_read_from_their_first_record(kafka_bootstrap):
    names = unique_names("recreate")
    joined = [names["REQUESTS_TOPIC"], names["FEEDBACK_TOPIC"]]
    make_rule(model="ranker", window=timedelta(minutes=10))
    topics_create(kafka_bootstrap, [*joined, names["DEAD_LETTER_TOPIC"]])
    log = Path(tempfile.gettempdir()) / f"recreate-{names['GROUP']}.log"
    env = consumer_env(bootstrap=kafka_bootstrap, names=names, group=names["GROUP"])
    env["FEEDBACK_CONSUMER_METADATA_MAX_AGE_MS"] = "1000"
    consumer = consumer_start(env, log_path=log)
    try:
        produce_pairs(kafka_bootstrap, names, "old-", 40)
        wait_for(lambda: labelled("old-") == 40, timeout=90, what="labels from the first topics")

        # Frozen, the consumer cannot fetch between the deletion and the new records: when it wakes, its
        # positions (about 20 per partition) are valid offsets of the new, longer log.
        consumer.send_signal(signal.SIGSTOP)
        try:
            topics_delete(kafka_bootstrap, joined)
            topics_create(kafka_bootstrap, joined)
            produce_pairs(kafka_bootstrap, names, "new-", 120)
        finally:
            consumer.send_signal(signal.SIGCONT)

        wait_for(lambda: labelled("new-") == 120, timeout=90, what="every request of the recreated topics")
        assert consumer.poll() is None, "the consumer exited"
        assert labelled("old-") == 40
        rows = ConsumerOffset.objects.filter(group=names["GROUP"], topic=names["REQUESTS_TOPIC"])
        wait_for(
            lambda: sum(r.committed_offset for r in rows.all()) == 120,
            timeout=30,
            what="the recorded positions to describe the new log",
        )
        assert all(r.highwater is not None and r.committed_offset <= r.highwater for r in rows.all())
    finally:
        if consumer.poll() is None:
            consumer.send_signal(signal.SIGTERM)
            assert consumer.wait(timeout=60) == 0
    assert "were recreated" in log.read_text()
