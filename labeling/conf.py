"""Labeling's settings: `settings.LABELING`, with every default here (config/app_settings.py)."""

from __future__ import annotations

from typing import Any

from config.app_settings import AppSettings

DEFAULTS: dict[str, Any] = {
    # Largest item file an upload may send (the API refuses more before parsing).
    "ITEM_UPLOAD_MAX_BYTES": 50 * 1024 * 1024,
}

labeling_settings = AppSettings("LABELING", DEFAULTS)


def item_upload_max_bytes() -> int:
    return int(labeling_settings.get("ITEM_UPLOAD_MAX_BYTES"))
