"""The consumer registry: each consumer is declared once (`ingestion.conf.declared_consumers`, tuned by
settings.KAFKA_CONSUMERS) and started by `python manage.py run_consumer NAME`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ingestion.conf import consumer_settings


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    topics: tuple[str, ...]
    group: str
    handler_path: str
    prepare_path: str | None
    dead_letter_topic: str | None
    max_batch: int
    session_timeout_ms: int
    heartbeat_interval_ms: int
    fetch_max_wait_ms: int
    max_poll_interval_ms: int
    metadata_max_age_ms: int = 30000
    # Static membership (KIP-345): a restarted member with the same id takes its partitions back at once
    # instead of waiting for the session timeout of its dead predecessor. Unique per live process.
    group_instance_id: str | None = None

    @property
    def handler(self) -> Callable:
        return import_string(self.handler_path)

    @property
    def prepare(self) -> Callable | None:
        """Optional CPU-only first half of the handler, run on the polling thread (handler gets prepared=)."""
        return import_string(self.prepare_path) if self.prepare_path else None


def consumer_names() -> list[str]:
    return sorted(consumer_settings())


def consumer_get(name: str) -> ConsumerSpec:
    consumers = consumer_settings()
    if name not in consumers:
        raise ImproperlyConfigured(f"No consumer {name!r}; known: {', '.join(consumer_names())}")
    conf = consumers[name]
    for key in ("topics", "group", "handler"):
        if not conf.get(key):
            raise ImproperlyConfigured(f"KAFKA_CONSUMERS[{name!r}] needs {key!r}")
    return ConsumerSpec(
        name=name,
        topics=tuple(conf["topics"]),
        group=conf["group"],
        handler_path=conf["handler"],
        prepare_path=conf["prepare"],
        dead_letter_topic=conf["dead_letter_topic"],
        max_batch=int(conf["max_batch"]),
        session_timeout_ms=int(conf["session_timeout_ms"]),
        heartbeat_interval_ms=int(conf["heartbeat_interval_ms"]),
        fetch_max_wait_ms=int(conf["fetch_max_wait_ms"]),
        max_poll_interval_ms=int(conf["max_poll_interval_ms"]),
        metadata_max_age_ms=int(conf["metadata_max_age_ms"]),
        group_instance_id=_instance_id(conf.get("group_instance_id")),
    )


def _instance_id(value: str | None) -> str | None:
    """`{hostname}` expands to this host's name (one consumer per container: stable across restarts)."""
    if not value:
        return None
    import socket

    return str(value).replace("{hostname}", socket.gethostname())
