"""Mergeable per-feature statistics: what one batch, one window or one dataset version looks like.

Numbers go into a KLL quantile sketch (Apache DataSketches, `kll_doubles_sketch`): a few kB whatever the
count, mergeable across consumer processes and time windows with a known rank error. Strings and booleans
are counted exactly up to `MAX_CATEGORIES` distinct values per feature (the rest pooled under `OTHER`),
because the Chebyshev distance needs shares, not estimates. Nested objects are flattened to dotted paths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
from datasketches import kll_doubles_sketch

KLL_K = 200
MAX_CATEGORIES = 1000
MAX_EXAMPLES = 3
OTHER = "__other__"
FORMAT = b"P1"
NUMERIC_TYPES = ("int", "float")
CATEGORICAL_TYPES = ("string", "bool")


def value_type(value: Any) -> str:
    """The JSON type of a value, with int and float kept apart (an int turning into a float is skew)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def features_flatten(features: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"user": {"age": 3}} -> {"user.age": 3}; lists and empty objects stay leaves."""
    flat: dict[str, Any] = {}
    for key, value in features.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(features_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def category_of(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@dataclass
class FeatureStatistics:
    present: int = 0
    nulls: int = 0
    types: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    sketch: kll_doubles_sketch | None = None
    examples: dict[str, list] = field(default_factory=dict)

    @property
    def numeric_count(self) -> int:
        return 0 if self.sketch is None else int(self.sketch.n)

    @property
    def categorical_count(self) -> int:
        return sum(self.categories.values())

    def merge(self, other: FeatureStatistics) -> None:
        self.present += other.present
        self.nulls += other.nulls
        for name, n in other.types.items():
            self.types[name] = self.types.get(name, 0) + n
        for name, n in other.categories.items():
            self.categories[name] = self.categories.get(name, 0) + n
        _cap(self.categories)
        if other.sketch is not None:
            if self.sketch is None:
                self.sketch = kll_doubles_sketch(KLL_K)
            self.sketch.merge(other.sketch)
        for name, values in other.examples.items():
            mine = self.examples.setdefault(name, [])
            mine.extend(v for v in values if v not in mine)
            del mine[MAX_EXAMPLES:]

    def to_dict(self, blobs: list[bytes]) -> dict:
        """Plain fields as a dict; the sketch's bytes are appended to `blobs` and referenced by index."""
        out: dict[str, Any] = {"p": self.present, "n": self.nulls, "t": self.types, "c": self.categories}
        if self.sketch is not None:
            out["k"] = len(blobs)
            blobs.append(self.sketch.serialize())
        if self.examples:
            out["e"] = self.examples
        return out

    @classmethod
    def from_dict(cls, data: dict, blobs: list[memoryview]) -> FeatureStatistics:
        sketch = kll_doubles_sketch.deserialize(bytes(blobs[data["k"]])) if "k" in data else None
        return cls(data["p"], data["n"], data["t"], data["c"], sketch, data.get("e", {}))


def _cap(categories: dict[str, int]) -> None:
    """Keep the MAX_CATEGORIES most frequent values; pool the rest so totals stay exact."""
    if len(categories) <= MAX_CATEGORIES:
        return
    ranked = sorted(categories.items(), key=lambda kv: (kv[0] != OTHER, -kv[1], kv[0]))
    pooled = categories.get(OTHER, 0)
    keep = [kv for kv in ranked if kv[0] != OTHER][: MAX_CATEGORIES - 1]
    pooled += sum(categories.values()) - pooled - sum(n for _, n in keep)
    categories.clear()
    categories.update(keep)
    categories[OTHER] = pooled


@dataclass
class Profile:
    """Statistics of a set of feature snapshots: the row count and each feature path's statistics."""

    rows: int = 0
    features: dict[str, FeatureStatistics] = field(default_factory=dict)

    def merge(self, other: Profile) -> Profile:
        self.rows += other.rows
        for path, stats in other.features.items():
            mine = self.features.get(path)
            if mine is None:
                mine = self.features[path] = FeatureStatistics()
            mine.merge(stats)
        return self

    def to_bytes(self) -> bytes:
        """FORMAT, the JSON header's length (4 bytes), the header, then each sketch's bytes (lengths in the header).

        Sketches stay binary (no base64 inside JSON): a day of windows decodes in a fraction of the time.
        """
        blobs: list[bytes] = []
        features = {p: s.to_dict(blobs) for p, s in self.features.items()}
        header = orjson.dumps({"rows": self.rows, "features": features, "sizes": [len(b) for b in blobs]})
        return b"".join([FORMAT, len(header).to_bytes(4, "big"), header, *blobs])

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> Profile:
        view = memoryview(data)
        if bytes(view[:2]) != FORMAT:
            raise ValueError("not a serialized Profile")
        size = int.from_bytes(view[2:6], "big")
        raw = orjson.loads(view[6 : 6 + size])
        blobs, offset = [], 6 + size
        for length in raw["sizes"]:
            blobs.append(view[offset : offset + length])
            offset += length
        return cls(raw["rows"], {p: FeatureStatistics.from_dict(s, blobs) for p, s in raw["features"].items()})


# JSON values come out of the parser as exactly these types: one dict lookup instead of an isinstance chain.
_KIND_OF_TYPE = {type(None): "null", bool: "bool", int: "int", float: "float", str: "string", list: "list"}
_EXAMPLE_AS_IS = frozenset(NUMERIC_TYPES + CATEGORICAL_TYPES)


def profile_build(snapshots: Iterable[Mapping[str, Any] | None]) -> Profile:
    """One pass over feature snapshots, then one pass per feature column.

    Runs in the consumer for every request, so the per-value work is done by C loops where a column holds
    one JSON type (the usual case): `Counter` over the types and the categories, one numpy call for the
    numbers. A column of mixed types takes the per-value path; both give the same statistics.
    """
    profile = Profile()
    columns: dict[str, list] = {}
    rows = 0
    for snapshot in snapshots:
        rows += 1
        if not snapshot:
            continue
        flat = features_flatten(snapshot) if dict in map(type, snapshot.values()) else snapshot  # JSON: exact dicts
        for path, value in flat.items():
            column = columns.get(path)
            if column is None:
                columns[path] = [value]
            else:
                column.append(value)
    profile.rows = rows
    for path, column in columns.items():
        profile.features[path] = _column_statistics(column)
    return profile


def _column_statistics(column: list) -> FeatureStatistics:
    stats = FeatureStatistics(present=len(column))
    by_type = Counter(map(type, column))  # in order of first appearance, like the kinds below
    if len(by_type) > 1 or any(t not in _KIND_OF_TYPE for t in by_type):
        numbers = _values_one_by_one(stats, column)
    else:
        (only,) = by_type
        kind = _KIND_OF_TYPE[only]
        stats.types[kind] = len(column)
        numbers = column if kind in NUMERIC_TYPES else None
        if kind == "string":
            stats.categories = dict(Counter(column))
        elif kind == "bool":
            stats.categories = {("true" if value else "false"): n for value, n in Counter(column).items()}
        elif kind == "null":
            stats.nulls = len(column)
        stats.examples[kind] = _first_examples(column, kind)
    if numbers:
        sketch = kll_doubles_sketch(KLL_K)
        array = np.asarray(numbers, dtype=np.float64)
        sketch.update(array[np.isfinite(array)])
        stats.sketch = sketch
    _cap(stats.categories)
    return stats


def _first_examples(column: list, kind: str) -> list:
    """What the per-value path keeps: the first distinct values (their text for lists and nulls, one object)."""
    if kind not in _EXAMPLE_AS_IS:
        return [str(value)[:100] for value in column[: 1 if kind == "object" else MAX_EXAMPLES]]
    examples: list = []
    for value in column:
        if value not in examples:
            examples.append(value)
            if len(examples) == MAX_EXAMPLES:
                break
    return examples


def _values_one_by_one(stats: FeatureStatistics, column: list) -> list:
    """A column of mixed JSON types; returns its numbers for the sketch."""
    numbers = []
    types, categories, all_examples = stats.types, stats.categories, stats.examples
    for value in column:
        kind = _KIND_OF_TYPE.get(type(value)) or value_type(value)
        types[kind] = types.get(kind, 0) + 1
        if kind == "int" or kind == "float":
            numbers.append(value)
        elif kind == "string" or kind == "bool":
            category = value if kind == "string" else ("true" if value else "false")
            categories[category] = categories.get(category, 0) + 1
        elif kind == "null":
            stats.nulls += 1
        examples = all_examples.get(kind)
        if examples is None:
            all_examples[kind] = [value if kind in _EXAMPLE_AS_IS else str(value)[:100]]
        elif len(examples) < MAX_EXAMPLES and kind != "object" and value not in examples:
            examples.append(value if kind in _EXAMPLE_AS_IS else str(value)[:100])
    return numbers


def profiles_merge(profiles: Iterable[Profile]) -> Profile:
    merged = Profile()
    for profile in profiles:
        merged.merge(profile)
    return merged
