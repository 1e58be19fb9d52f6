"""Freshness: how old a version's labels are, against the dataset's maximum label age."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from datasets.models import DatasetVersion


def version_freshness(*, version: DatasetVersion, now: datetime | None = None) -> dict:
    """Ages of the newest and median label. `stale` when even the newest label is too old, `aging` when the
    median is, `fresh` otherwise; `unknown` without a requirement or labels."""
    now = now or timezone.now()
    requirement = version.dataset.max_label_age
    newest_age = (now - version.newest_label_at).total_seconds() if version.newest_label_at else None
    median_age = (now - version.median_label_at).total_seconds() if version.median_label_at else None
    if requirement is None or newest_age is None:
        status = "unknown"
    elif newest_age > requirement.total_seconds():
        status = "stale"
    elif median_age is not None and median_age > requirement.total_seconds():
        status = "aging"
    else:
        status = "fresh"
    return {
        "newest_label_at": version.newest_label_at,
        "median_label_at": version.median_label_at,
        "newest_age_seconds": newest_age,
        "median_age_seconds": median_age,
        "max_label_age_seconds": requirement.total_seconds() if requirement else None,
        "status": status,
    }
