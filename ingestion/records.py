"""The broker-independent shape of a consumed message, so handlers can be fed hand-built batches."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    record: Record
    reason: str
    detail: str


@dataclass
class BatchResult:
    """What the runner needs after the handler's transaction committed."""

    dead_letters: list[DeadLetterRecord] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
