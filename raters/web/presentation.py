"""How an item and a project's labels are shown. Presentation only: no rule about who sees what."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from labeling.models import LabelType, Project

TEXT_KEYS = ("text", "body", "sentence", "content", "question")
IMAGE_KEYS = ("image_url", "image", "img", "url")


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def item_display(payload: Any) -> dict[str, Any]:
    """Text is shown as text, an http(s) image URL as an image, anything else as HTML-escaped JSON.

    Identical for gold and regular items: only the payload decides the rendering.
    """
    shown: dict[str, Any] = {"text": None, "image_url": None, "json": None, "fields": []}
    if isinstance(payload, str):
        shown["text"] = payload
        return shown
    if not isinstance(payload, dict):
        shown["json"] = json.dumps(payload, indent=2, ensure_ascii=False)
        return shown
    used = set()
    for key in TEXT_KEYS:
        if isinstance(payload.get(key), str):
            shown["text"] = payload[key]
            used.add(key)
            break
    for key in IMAGE_KEYS:
        if _is_http_url(payload.get(key)) and (key != "url" or shown["text"] is None):
            shown["image_url"] = payload[key]
            used.add(key)
            break
    rest = {k: v for k, v in payload.items() if k not in used}
    if shown["text"] is None and shown["image_url"] is None:
        shown["json"] = json.dumps(payload, indent=2, ensure_ascii=False)
    else:
        shown["fields"] = [
            (k, v if isinstance(v, str | int | float) else json.dumps(v, ensure_ascii=False)) for k, v in rest.items()
        ]
    return shown


def label_options(project: Project) -> list[dict[str, Any]]:
    """One option per category; the first nine get hotkeys 1-9."""
    return [
        {"index": i, "value": category, "label": str(category), "hotkey": str(i + 1) if i < 9 else ""}
        for i, category in enumerate(project.categories or [])
    ]


def input_kind(project: Project) -> str:
    if project.label_type == LabelType.MULTI:
        return "multi"
    if project.label_type in (LabelType.INTERVAL, LabelType.RATIO):
        return "number"
    return "single"


def value_from_post(project: Project, data, field: str = "value") -> Any:
    """Turn submitted option indexes (or a number) back into the project's label value; None if missing."""
    kind = input_kind(project)
    categories = list(project.categories or [])
    try:
        if kind == "number":
            raw = (data.get(field) or "").strip()
            if not raw:
                return None
            number = float(raw)
            return int(number) if number.is_integer() else number
        if kind == "multi":
            picked = sorted({int(i) for i in data.getlist(field)})
            return [categories[i] for i in picked if 0 <= i < len(categories)] or None
        raw = data.get(field)
        if raw in (None, ""):
            return None
        index = int(raw)
        return categories[index] if 0 <= index < len(categories) else None
    except (TypeError, ValueError):
        return None
