"""Compare a rater's answer with a known answer (gold, exam and practice items), per label type."""

from __future__ import annotations

import math
from typing import Any

from labeling.models import LabelType, Project


def _unwrap(value: Any) -> Any:
    """Accept both a bare value and the {"label": ...} / {"value": ...} envelope some clients send."""
    if isinstance(value, dict):
        for key in ("label", "value", "labels"):
            if key in value:
                return value[key]
    return value


def answer_matches(*, project: Project, value: Any, expected: Any) -> bool:
    value, expected = _unwrap(value), _unwrap(expected)
    if value is None or expected is None:
        return False
    if project.label_type == LabelType.MULTI:
        as_set = lambda v: {str(x) for x in (v if isinstance(v, list | tuple) else [v])}  # noqa: E731
        return as_set(value) == as_set(expected)
    if project.label_type in (LabelType.INTERVAL, LabelType.RATIO):
        try:
            return math.isclose(float(value), float(expected), rel_tol=1e-9, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return str(value) == str(expected)


def display_value(value: Any) -> str:
    value = _unwrap(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)
