"""The documented event types and the schema version of each payload (docs/webhooks.md).

A change to a payload's meaning bumps its version; adding an optional field does not. Receivers read
`data.schema_version`.
"""

from __future__ import annotations

# type -> (schema version, what happened)
EVENT_TYPES: dict[str, tuple[int, str]] = {
    "item.resolved": (1, "An item got a new current resolution (automatic or adjudicated)."),
    "item.needs_adjudication": (1, "An item's new resolution is low-confidence or a tie and waits for a human."),
    "project.completed": (1, "Every crowd item of a project has a current resolution."),
    "project.budget_exhausted": (1, "The project's budget can no longer cover one more task."),
    "annotation.created": (1, "A rater submitted an annotation."),
    "rater.paused": (1, "A rater was paused on a project (quality rule or staff)."),
    "rater.application_submitted": (1, "Someone applied to a recruitment campaign."),
    "dataset.version_built": (1, "A dataset version finished building and is frozen."),
    "direct_label.finalised": (1, "A batch of direct labels became final (window closed) or was corrected."),
    "validation.anomaly": (1, "A data-validation check found an anomaly (skew, drift, schema)."),
}

# Records of the Kafka stream channel: not webhook event types (docs/direct-labels-stream.md).
STREAM_TYPES: dict[str, int] = {
    "direct_label.version": 1,
}


def schema_version(event_type: str) -> int:
    if event_type in EVENT_TYPES:
        return EVENT_TYPES[event_type][0]
    return STREAM_TYPES[event_type]
