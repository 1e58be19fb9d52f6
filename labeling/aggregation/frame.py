"""The input of every estimator: one project's annotations as parallel numpy arrays, values coded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


def normalize_value(value: Any) -> Any:
    """One canonical form per label so 1, 1.0 and "1" of a numeric category compare equal."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return sorted(normalize_value(v) for v in value)
    return value


def value_key(value: Any) -> str:
    """A hashable, JSON-stable key for a (normalized) label."""
    return json.dumps(normalize_value(value), sort_keys=True)


@dataclass
class AnnotationFrame:
    """Parallel arrays, one entry per annotation; `domain[code]` is the label of each code."""

    item: np.ndarray
    rater: np.ndarray
    version: np.ndarray
    code: np.ndarray
    domain: list[Any]
    numeric: np.ndarray | None  # float value of each domain entry, when every label is a number
    label_type: str
    values: np.ndarray | None = None  # float value of each annotation for numeric projects
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.item)

    @property
    def n_values(self) -> int:
        return len(self.domain)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"item": self.item, "rater": self.rater, "code": self.code})
