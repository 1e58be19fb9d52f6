"""Annotation values as chart categories: stable keys, display names and numeric points."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from labeling.models import LabelType, Project

NUMERIC_TYPES = {LabelType.INTERVAL, LabelType.RATIO}
MAX_NUMERIC_BINS = 12


def _normalize(value):
    """1 and 1.0 are one label; a multi-label set is order-free (the agreement part does the same)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return sorted((_normalize(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def canonical(json_text: str | None) -> str | None:
    """A jsonb value's text as a stable key (PostgreSQL prints `1.0` and `1` differently than Python)."""
    if json_text is None:
        return None
    try:
        return json.dumps(_normalize(json.loads(json_text)), sort_keys=True)
    except ValueError:
        return json_text


def display(key: str | None) -> str:
    if key is None:
        return "—"
    try:
        value = json.loads(key)
    except ValueError:
        return key
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "+".join(str(v) for v in value) or "(none)"
    return json.dumps(value)


@dataclass
class Categories:
    """Ordered categories of a project, and where each observed value key falls."""

    keys: list[str]
    names: list[str]
    points: np.ndarray
    index: dict[str, int]

    def __len__(self) -> int:
        return len(self.keys)


def categories_for(project: Project, observed: list[str]) -> Categories:
    """Project categories first in their declared order, then anything else observed.

    Numeric projects with many distinct values are put into equal-width bins (alpha on the bin
    midpoints) so the count patterns stay few.
    """
    if project.label_type in NUMERIC_TYPES:
        numbers = sorted({float(json.loads(k)) for k in observed if _is_number(k)})
        if len(numbers) > MAX_NUMERIC_BINS:
            low, high = numbers[0], numbers[-1]
            edges = np.linspace(low, high, MAX_NUMERIC_BINS + 1)
            mids = (edges[:-1] + edges[1:]) / 2
            index = {}
            for key in observed:
                if _is_number(key):
                    value = float(json.loads(key))
                    index[key] = int(min(np.searchsorted(edges, value, side="right") - 1, MAX_NUMERIC_BINS - 1))
            names = [f"{edges[i]:.3g}–{edges[i + 1]:.3g}" for i in range(MAX_NUMERIC_BINS)]
            return Categories([f"bin{i}" for i in range(MAX_NUMERIC_BINS)], names, mids, index)
        keys = [json.dumps(n) for n in numbers]
        index = {key: keys.index(json.dumps(float(json.loads(key)))) for key in observed if _is_number(key)}
        return Categories(keys, [f"{n:g}" for n in numbers], np.array(numbers, dtype=float), index)
    declared = [json.dumps(_normalize(c), sort_keys=True) for c in (project.categories or [])]
    extra = sorted(set(observed) - set(declared))
    keys = declared + extra
    index = {key: i for i, key in enumerate(keys)}
    return Categories(keys, [display(k) for k in keys], np.arange(len(keys), dtype=float), index)


def _is_number(key: str) -> bool:
    try:
        value = json.loads(key)
    except ValueError:
        return False
    return isinstance(value, int | float) and not isinstance(value, bool)
