"""Shapes of what the API returns. Server objects are TypedDicts (plain dicts at run time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict


class Project(TypedDict, total=False):
    id: int
    name: str
    description: str
    label_type: str
    categories: list[Any]
    min_value: float | None
    max_value: float | None
    measurement_level: str
    overlap: int
    lease_seconds: int
    is_active: bool
    created_at: str


class Member(TypedDict, total=False):
    id: int
    user: int
    username: str
    role: str
    status: str
    is_qualified: bool
    joined_at: str


class Item(TypedDict, total=False):
    id: int
    external_id: str | None
    content_hash: str
    payload: Any
    priority: int
    is_gold: bool
    gold_value: Any
    slots_open: int
    annotation_count: int
    created_at: str


class Annotation(TypedDict, total=False):
    id: int
    project: int
    item: int
    rater: int
    task_id: str | None
    value: Any
    instruction_version: int | None
    time_spent_ms: int | None
    source: str
    created_at: str


class Resolution(TypedDict, total=False):
    id: int
    project: int
    item: int
    item_external_id: str | None
    kind: str
    method: str
    label: Any
    confidence: float | None
    distribution: dict[str, float] | None
    annotation_count: int
    needs_adjudication: bool
    is_current: bool
    created_at: str


class ResolvedLabel(TypedDict, total=False):
    item: str | None
    item_id: int
    value: Any
    method: str
    confidence: float | None
    resolved_at: str


class Prediction(TypedDict, total=False):
    item: str
    value: Any
    score: float | None
    probabilities: dict[str, float] | None
    model: str
    version: str


class DatasetVersion(TypedDict, total=False):
    number: int
    parent: int | None
    status: str
    progress: float
    error: str
    row_count: int | None
    split_counts: dict[str, int]
    content_hash: str
    created_at: str
    built_at: str | None


class Webhook(TypedDict, total=False):
    id: int
    url: str
    event_types: list[str]
    project: int | None
    description: str
    status: str
    secret: str
    created_at: str


@dataclass(frozen=True)
class Task:
    """A leased task as a rater sees it: an opaque id and the item's payload, nothing that tells gold apart."""

    task_id: str
    project_id: int
    payload: Any
    leased_at: str
    expires_at: str
    instruction_version: int | None

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> Task:
        return cls(
            task_id=str(body["task_id"]),
            project_id=int(body["project_id"]),
            payload=body.get("payload"),
            leased_at=body.get("leased_at", ""),
            expires_at=body.get("expires_at", ""),
            instruction_version=body.get("instruction_version"),
        )


@dataclass
class ImportResult:
    """Totals over every chunk of a bulk import; `errors` are the refused rows with their index in the input."""

    sent: int = 0
    created: int = 0
    duplicates: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    chunks: int = 0


@dataclass(frozen=True)
class ImportProgress:
    """Handed to a progress callback after each chunk."""

    sent: int
    created: int
    duplicates: int
    error_count: int
    total: int | None
