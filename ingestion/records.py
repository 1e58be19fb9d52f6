"""The broker-independent shape of a consumed message, so handlers can be fed hand-built batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    value: bytes | None
    timestamp_ms: int = 0
    key: bytes | None = None


@dataclass(slots=True)
class DeadLetterRecord:
    """`redacted`: the payload with the privacy paths applied (None when the value could not be parsed)."""

    record: Record
    reason: str
    detail: str
    redacted: bytes | None = None

    @property
    def payload(self) -> bytes | None:
        """What is kept and sent on: the redacted form when there is one, else the original value (None stays None)."""
        return self.redacted if self.redacted is not None else self.record.value


@dataclass
class BatchResult:
    """What the runner needs after the handler's transaction committed."""

    dead_letters: list[DeadLetterRecord] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    # (topic, partition) -> the latest event time read in the batch; stored with the offsets (watermarks).
    event_times: dict[tuple[str, int], datetime] = field(default_factory=dict)
