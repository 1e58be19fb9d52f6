"""Helpers for the tests that run the real consumer against the real broker (Tansu)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from kafka import KafkaAdminClient
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
