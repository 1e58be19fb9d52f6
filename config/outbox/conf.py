"""The outbox's settings: `settings.OUTBOX`, with every default here (config/app_settings.py)."""

from __future__ import annotations

from typing import Any

from config.app_settings import AppSettings

DEFAULTS: dict[str, Any] = {
    # Kick the webhook dispatcher right after the commit that wrote events (beat sweeps up the rest).
    "DISPATCH_ON_COMMIT": True,
    # Delivered rows older than this are deleted by the retention task.
    "RETENTION_DAYS": 30,
}

outbox_settings = AppSettings("OUTBOX", DEFAULTS)


def dispatch_on_commit() -> bool:
    return bool(outbox_settings.get("DISPATCH_ON_COMMIT"))


def retention_days() -> int:
    return int(outbox_settings.get("RETENTION_DAYS"))
