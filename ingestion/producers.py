"""Producing to the feedback topics (simulator, benchmarks, tests) and creating the topics."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from feedback import conf as feedback_conf
from ingestion import conf as kafka_conf

logger = logging.getLogger(__name__)


def topics_ensure(*, bootstrap_servers: list[str] | str | None = None, partitions: int = 4) -> list[str]:
    """Create the requests, feedback and dead-letter topics if missing; returns the names."""
    names = [feedback_conf.requests_topic(), feedback_conf.feedback_topic(), feedback_conf.dead_letter_topic()]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers or kafka_conf.bootstrap_servers())
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(name, partitions, 1) for name in names if name not in existing]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
    return names


def producer_make(*, bootstrap_servers: list[str] | str | None = None) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers or kafka_conf.bootstrap_servers(),
        linger_ms=20,
        batch_size=256 * 1024,
        acks=1,
        retries=5,
    )


def messages_produce(
    *,
    producer: KafkaProducer,
    messages: Iterable[tuple[str, bytes | None, bytes]],
    on_sent: Callable[[int], None] | None = None,
) -> int:
    """Send (topic, key, value) messages in order; keyed by request id so a request's messages share a
    partition number on both topics."""
    sent = 0
    for topic, key, value in messages:
        producer.send(topic, key=key, value=value)
        sent += 1
        if on_sent is not None and sent % 1000 == 0:
            on_sent(1000)
    producer.flush(timeout=60)
    if on_sent is not None:
        on_sent(sent % 1000)
    return sent
