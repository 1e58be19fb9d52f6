"""Helpers for the tests that run the real consumer against the real broker (Tansu)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from django.utils import timezone
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic


def unique_names(prefix: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {
        "REQUESTS_TOPIC": f"{prefix}-req-{suffix}",
        "FEEDBACK_TOPIC": f"{prefix}-fb-{suffix}",
        "DEAD_LETTER_TOPIC": f"{prefix}-dlq-{suffix}",
        "GROUP": f"{prefix}-group-{suffix}",
    }


def topics_create(bootstrap: str, names: list[str], partitions: int = 2) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, partitions, 1) for name in names])
    finally:
        admin.close()


def feedback_join_topics(settings, bootstrap: str, prefix: str, **feedback: object) -> dict[str, str]:
    """Fresh topics and group for the in-process feedback-join consumer, pointed at by `settings`."""
    names = unique_names(prefix)
    settings.FEEDBACK = {**settings.FEEDBACK, **{k: v for k, v in names.items() if k != "GROUP"}, **feedback}
    settings.KAFKA_CONSUMERS = {
        "feedback-join": {
            **settings.KAFKA_CONSUMERS["feedback-join"],
            "topics": [names["REQUESTS_TOPIC"], names["FEEDBACK_TOPIC"]],
            "group": names["GROUP"],
            "dead_letter_topic": names["DEAD_LETTER_TOPIC"],
            "session_timeout_ms": 6000,
            "heartbeat_interval_ms": 1000,
        }
    }
    settings.KAFKA = {**settings.KAFKA, "BOOTSTRAP_SERVERS": [bootstrap]}
    topics_create(bootstrap, [names["REQUESTS_TOPIC"], names["FEEDBACK_TOPIC"], names["DEAD_LETTER_TOPIC"]])
    return names


def topics_delete(bootstrap: str, names: list[str]) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.delete_topics(names)
        wait_for(lambda: not set(names) & set(admin.list_topics()), timeout=30, what=f"{names} deleted")
    finally:
        admin.close()


def produce_pairs(bootstrap: str, names: dict[str, str], prefix: str, count: int) -> None:
    """`count` requests, each with one click at the same instant (a positive once joined)."""
    from tests.feedback.helpers import event_bytes, request_bytes

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    now = timezone.now()
    for i in range(count):
        key = f"{prefix}{i}".encode()
        producer.send(names["REQUESTS_TOPIC"], key=key, value=request_bytes(f"{prefix}{i}", served_at=now))
        producer.send(names["FEEDBACK_TOPIC"], key=key, value=event_bytes(f"{prefix}e{i}", f"{prefix}{i}", at=now))
    producer.flush()
    producer.close()


def labelled(prefix: str) -> int:
    from feedback.models import DirectLabel

    return DirectLabel.objects.filter(request__request_id__startswith=prefix).count()


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RunnerThread(threading.Thread):
    """The real ConsumerRunner in a thread of the test process (own DB connection, real commits)."""

    def __init__(self, runner) -> None:
        super().__init__(daemon=True)
        self.runner = runner
        self.error: BaseException | None = None

    def run(self) -> None:
        from django.db import connection

        try:
            self.runner.run()
        except BaseException as exc:  # noqa: BLE001 - surfaced by stop()
            self.error = exc
        finally:
            connection.close()

    def stop(self) -> None:
        self.runner.stop()
        self.join(timeout=30)
        if self.error is not None:
            raise self.error
