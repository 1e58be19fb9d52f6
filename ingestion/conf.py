"""Ingestion's settings: the broker (`settings.KAFKA`) and the consumer registry (`settings.KAFKA_CONSUMERS`).

Defaults live here (config/app_settings.py); settings set only what the environment provides. Each
consumer is declared once in `CONSUMERS` (topics, handler, dead-letter topic, read from the owning
app's settings when asked); an entry of `KAFKA_CONSUMERS` with the same name overrides its keys.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from config.app_settings import AppSettings
from feedback import conf as feedback_conf

DEFAULTS: dict[str, Any] = {
    "BOOTSTRAP_SERVERS": ["127.0.0.1:9092"],
    "CLIENT_ID": "labeling",
}

kafka_settings = AppSettings("KAFKA", DEFAULTS)

# Every consumer's tunables unless its declaration or KAFKA_CONSUMERS says otherwise.
CONSUMER_DEFAULTS: dict[str, Any] = {
    "max_batch": 5000,
    # 6 s: a member killed without leaving is replaced after at most this long (docs/feedback-messages.md).
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "fetch_max_wait_ms": 100,
    "max_poll_interval_ms": 300000,
    # How stale the topic metadata may get. A recreated topic is seen by its new topic id at the next
    # refresh and read again from the start (docs/adr/0027); kafka-python's default is 5 minutes.
    "metadata_max_age_ms": 30000,
    "dead_letter_topic": None,
    "prepare": None,
    "group_instance_id": None,
}


def bootstrap_servers() -> list[str]:
    return list(kafka_settings.get("BOOTSTRAP_SERVERS"))


def client_id() -> str:
    return str(kafka_settings.get("CLIENT_ID"))


def declared_consumers() -> dict[str, dict[str, Any]]:
    """The registry: one entry per consumer (`python manage.py run_consumer NAME`)."""
    return {
        "feedback-join": {
            "topics": [feedback_conf.requests_topic(), feedback_conf.feedback_topic()],
            "group": "feedback-join",
            "handler": "ingestion.handlers.feedback_join.handle_batch",
            "prepare": "ingestion.handlers.feedback_join.prepare_batch",
            "dead_letter_topic": feedback_conf.dead_letter_topic(),
        },
    }


def consumer_settings() -> dict[str, dict[str, Any]]:
    """Each consumer's declaration with CONSUMER_DEFAULTS below it and its KAFKA_CONSUMERS entry on top."""
    configured = getattr(settings, "KAFKA_CONSUMERS", None) or {}
    declared = declared_consumers()
    return {
        name: {**CONSUMER_DEFAULTS, **declared.get(name, {}), **configured.get(name, {})}
        for name in sorted(set(declared) | set(configured))
    }
