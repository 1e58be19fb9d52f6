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
    # Privacy: dotted paths into `features`, dropped or replaced by a keyed hash. The configured lists
    # extend these defaults unless FEATURE_PATHS_REPLACE_DEFAULTS is true.
    "FEATURE_PATHS_DROP": [],
    "FEATURE_PATHS_HASH": [],
    "FEATURE_PATHS_REPLACE_DEFAULTS": False,
    # The hash key; production refuses to start without one (config/settings/production.py).
    "HASH_SALT": "",
    "OPT_OUT_USER_IDS": [],
    # Feedback up to this many seconds before served_at still counts (clock skew between services).
    "CLOCK_SKEW_ALLOWANCE_S": 0,
    # Watermark: a partition whose consumer has read up to its end counts as being at (that time - this).
    "IDLE_PARTITION_LATENESS_S": 5,
    # Dead letters older than this are deleted by beat (feedback.tasks.purge_dead_letters); 0 keeps them.
    "DEAD_LETTER_RETENTION_DAYS": 14,
    # Data validation: feature statistics of served requests per model and window (docs/data-validation.md).
    "SERVING_STATISTICS": True,
    "SERVING_STATISTICS_WINDOW_SECONDS": 300,
    # Publish every final direct label version to Kafka through the outbox (docs/direct-labels-stream.md).
    "DIRECT_LABELS_STREAM": False,
    "DIRECT_LABELS_TOPIC": "direct-labels",
}

DEFAULT_FEATURE_PATHS_DROP = ["email", "user.email", "user.phone"]
DEFAULT_FEATURE_PATHS_HASH = ["ip", "user.ip"]

feedback_settings = AppSettings("FEEDBACK", DEFAULTS)


def requests_topic() -> str:
    return str(feedback_settings.get("REQUESTS_TOPIC"))


def feedback_topic() -> str:
    return str(feedback_settings.get("FEEDBACK_TOPIC"))


def dead_letter_topic() -> str:
    return str(feedback_settings.get("DEAD_LETTER_TOPIC"))


def max_message_bytes() -> int:
    return int(feedback_settings.get("MAX_MESSAGE_BYTES"))


def _paths(configured: list[str], defaults: list[str]) -> list[str]:
    if feedback_settings.get("FEATURE_PATHS_REPLACE_DEFAULTS"):
        return list(configured)
    return list(dict.fromkeys([*defaults, *configured]))


def feature_paths_drop() -> list[str]:
    """The defaults plus the configured paths (only the configured ones with FEATURE_PATHS_REPLACE_DEFAULTS)."""
    return _paths(feedback_settings.get("FEATURE_PATHS_DROP"), DEFAULT_FEATURE_PATHS_DROP)


def feature_paths_hash() -> list[str]:
    return _paths(feedback_settings.get("FEATURE_PATHS_HASH"), DEFAULT_FEATURE_PATHS_HASH)


def clock_skew_allowance_s() -> float:
    return float(feedback_settings.get("CLOCK_SKEW_ALLOWANCE_S"))


def idle_partition_lateness_s() -> float:
    return float(feedback_settings.get("IDLE_PARTITION_LATENESS_S"))


def dead_letter_retention_days() -> float:
    return float(feedback_settings.get("DEAD_LETTER_RETENTION_DAYS"))


def hash_salt() -> str:
    return str(feedback_settings.get("HASH_SALT"))


def opt_out_user_ids() -> list[str]:
    return list(feedback_settings.get("OPT_OUT_USER_IDS"))


def serving_statistics_enabled() -> bool:
    return bool(feedback_settings.get("SERVING_STATISTICS"))


def serving_statistics_window_seconds() -> int:
    return int(feedback_settings.get("SERVING_STATISTICS_WINDOW_SECONDS"))


def direct_labels_stream() -> bool:
    return bool(feedback_settings.get("DIRECT_LABELS_STREAM"))


def direct_labels_topic() -> str:
    return str(feedback_settings.get("DIRECT_LABELS_TOPIC"))
