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


def distribution_key(value: Any) -> str:
    """A label as a key of a resolution's distribution and of stored confusion tables."""
    return value if isinstance(value, str) else json.dumps(normalize_value(value), ensure_ascii=False)


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


# Machine raters (a model counted as a rater) carry negative rater ids in a frame; people's ids are positive.
MACHINE_RATER_ID = -1


def machine_mask(frame: AnnotationFrame) -> np.ndarray:
    """True for the frame's machine votes."""
    return frame.rater < 0


def machine_rater_keys(frame: AnnotationFrame) -> dict[int, str]:
    """Machine rater id -> its key, e.g. {-1: "model:resnet@v3"}; empty for a crowd-only frame."""
    return dict(frame.extra.get("machine_raters", {}))


def crowd_only(frame: AnnotationFrame) -> AnnotationFrame:
    """The frame without machine votes: what every crowd agreement figure is computed from."""
    mask = machine_mask(frame)
    if not mask.any():
        return frame
    return frame_subset(frame, ~mask)


def frame_subset(frame: AnnotationFrame, keep: np.ndarray) -> AnnotationFrame:
    """The rows where `keep` is true, as a crowd frame (machine rater keys are not carried over)."""
    return AnnotationFrame(
        item=frame.item[keep],
        rater=frame.rater[keep],
        version=frame.version[keep],
        code=frame.code[keep],
        domain=frame.domain,
        numeric=frame.numeric,
        label_type=frame.label_type,
        values=None if frame.values is None else frame.values[keep],
        extra={k: v for k, v in frame.extra.items() if k != "machine_raters"},
    )
