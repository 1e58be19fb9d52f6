"""Direct labeling's settings: `settings.FEEDBACK`, with every default here (config/app_settings.py).

Topics, the message size limit and the privacy rules applied to `features` before anything is stored
(docs/feedback-messages.md). The ingestion consumers read them through these accessors.
"""

from __future__ import annotations

from typing import Any

from config.app_settings import AppSettings

DEFAULTS: dict[str, Any] = {
    "REQUESTS_TOPIC": "inference-requests",
    "FEEDBACK_TOPIC": "feedback-events",
    "DEAD_LETTER_TOPIC": "feedback-dead-letter",
    "MAX_MESSAGE_BYTES": 256 * 1024,
    # Privacy: dotted paths into `features`, dropped or replaced by a keyed hash.
    "FEATURE_PATHS_DROP": ["email", "user.email", "user.phone"],
    "FEATURE_PATHS_HASH": ["ip", "user.ip"],
    # The hash key; production refuses to start without one (config/settings/production.py).
    "HASH_SALT": "",
    "OPT_OUT_USER_IDS": [],
    # Publish every final direct label version to Kafka through the outbox (docs/direct-labels-stream.md).
    "DIRECT_LABELS_STREAM": False,
    "DIRECT_LABELS_TOPIC": "direct-labels",
}

feedback_settings = AppSettings("FEEDBACK", DEFAULTS)


def requests_topic() -> str:
    return str(feedback_settings.get("REQUESTS_TOPIC"))


def feedback_topic() -> str:
    return str(feedback_settings.get("FEEDBACK_TOPIC"))


def dead_letter_topic() -> str:
    return str(feedback_settings.get("DEAD_LETTER_TOPIC"))


def max_message_bytes() -> int:
    return int(feedback_settings.get("MAX_MESSAGE_BYTES"))


def feature_paths_drop() -> list[str]:
    return list(feedback_settings.get("FEATURE_PATHS_DROP"))


def feature_paths_hash() -> list[str]:
    return list(feedback_settings.get("FEATURE_PATHS_HASH"))


def hash_salt() -> str:
    return str(feedback_settings.get("HASH_SALT"))


def opt_out_user_ids() -> list[str]:
    return list(feedback_settings.get("OPT_OUT_USER_IDS"))


def direct_labels_stream() -> bool:
    return bool(feedback_settings.get("DIRECT_LABELS_STREAM"))


def direct_labels_topic() -> str:
    return str(feedback_settings.get("DIRECT_LABELS_TOPIC"))
