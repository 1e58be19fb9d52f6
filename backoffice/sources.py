"""Optional data sources owned by other parts of the system (agreement, rater lifecycle, feedback, datasets).

The dashboard renders a "not available" panel instead of failing when a part is not installed, and
picks the real selector up as soon as its module exists.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


def optional(module: str, name: str) -> Callable[..., Any] | None:
    """The callable `module.name`, or None when that part of the system is not there."""
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        logger.exception("dashboard source %s failed to import", module)
        return None
    except Exception:  # noqa: BLE001 - a broken neighbour must not take the dashboard down
        logger.exception("dashboard source %s failed to import", module)
        return None
    return getattr(loaded, name, None)


def first_available(candidates: list[tuple[str, str]]) -> Callable[..., Any] | None:
    for module, name in candidates:
        found = optional(module, name)
        if found is not None:
            return found
    return None


def call_safely(func: Callable[..., Any] | None, /, **kwargs: Any) -> tuple[Any, str | None]:
    """(result, error message): a failing source becomes a message on its panel, not a 500."""
    if func is None:
        return None, "not available yet"
    try:
        return func(**kwargs), None
    except Exception as exc:  # noqa: BLE001
        logger.exception("dashboard source %s failed", getattr(func, "__qualname__", func))
        return None, f"failed: {exc.__class__.__name__}: {exc}"
