"""Checks a label value against a project's schema. Used for annotations and for gold answers."""

from __future__ import annotations

import math
from typing import Any

from config.exceptions import ApplicationError
from labeling.models import LabelType, Project


def _invalid(message: str, value: Any) -> ApplicationError:
    return ApplicationError(message, extra={"code": "invalid_value", "fields": {"value": message}})


def label_value_validate(*, project: Project, value: Any) -> Any:
    """Return the value in canonical form, or raise ApplicationError(code="invalid_value")."""
    label_type = project.label_type
    categories = list(project.categories or [])
    if label_type in (LabelType.SINGLE, LabelType.ORDINAL):
        if isinstance(value, bool) or value not in categories or isinstance(value, list | dict):
            raise _invalid(f"Value must be one of {categories}.", value)
        return value
    if label_type == LabelType.MULTI:
        if not isinstance(value, list) or not value:
            raise _invalid("Value must be a non-empty list of categories.", value)
        for v in value:
            if isinstance(v, bool | list | dict) or v not in categories:
                raise _invalid(f"Every value must be one of {categories}.", value)
        if len({repr(v) for v in value}) != len(value):
            raise _invalid("Values must be distinct.", value)
        order = {repr(c): i for i, c in enumerate(categories)}
        return sorted(value, key=lambda v: order[repr(v)])
    if label_type in (LabelType.INTERVAL, LabelType.RATIO):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _invalid("Value must be a finite number.", value)
        if label_type == LabelType.RATIO and value < 0:
            raise _invalid("A ratio value cannot be negative.", value)
        if project.min_value is not None and value < project.min_value:
            raise _invalid(f"Value must be at least {project.min_value}.", value)
        if project.max_value is not None and value > project.max_value:
            raise _invalid(f"Value must be at most {project.max_value}.", value)
        return value
    raise _invalid(f"Unknown label type {label_type!r}.", value)
