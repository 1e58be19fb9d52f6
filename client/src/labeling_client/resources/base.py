"""The base of every resource: the transport and an id helper."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labeling_client.transport import Transport


class Resource:
    def __init__(self, transport: Transport) -> None:
        self._t = transport


def object_id(value: int | Mapping[str, Any]) -> int:
    """Accept an id or the dict the API returned for the object."""
    if isinstance(value, Mapping):
        return int(value["id"])
    return int(value)
