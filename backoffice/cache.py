"""Precomputed dashboard figures in the Django cache (Redis), stamped with when they were computed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

VERSION = 1
# Kept well past the beat interval, so a stopped beat shows stale-but-dated figures rather than none.
TIMEOUT_SECONDS = 7 * 24 * 3600


def snapshot_key(section: str, scope: str | int) -> str:
    return f"dashboard:v{VERSION}:{section}:{scope}"


def snapshot_put(*, section: str, scope: str | int, data: Any, seconds: float, stamp: Any = None) -> dict:
    """`stamp` identifies the data the figures were computed from (see services.project_stamp)."""
    snapshot = {"computed_at": timezone.now(), "seconds": round(seconds, 3), "data": data, "stamp": stamp}
    cache.set(snapshot_key(section, scope), snapshot, TIMEOUT_SECONDS)
    return snapshot


def snapshot_get(*, section: str, scope: str | int) -> dict | None:
    return cache.get(snapshot_key(section, scope))


def snapshot_delete(*, section: str, scope: str | int) -> None:
    cache.delete(snapshot_key(section, scope))


def age_seconds(computed_at: datetime) -> float:
    return (timezone.now() - computed_at).total_seconds()
