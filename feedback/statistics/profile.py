"""Mergeable per-feature statistics: what one batch, one window or one dataset version looks like.

Numbers go into a KLL quantile sketch (Apache DataSketches, `kll_doubles_sketch`): a few kB whatever the
count, mergeable across consumer processes and time windows with a known rank error. Strings and booleans
are counted exactly up to `MAX_CATEGORIES` distinct values per feature (the rest pooled under `OTHER`),
because the Chebyshev distance needs shares, not estimates. Nested objects are flattened to dotted paths.
"""

from __future__ import annotations

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
    """One pass over feature snapshots; numbers are fed to each sketch in one numpy call per feature.

    Runs in the consumer's batch for every request, so the loop keeps per-value work to dict lookups.
    """
    profile = Profile()
    numbers: dict[str, list[float]] = {}
    features = profile.features
    kinds = _KIND_OF_TYPE
    rows = 0
    for snapshot in snapshots:
        rows += 1
        if not snapshot:
            continue
        flat = features_flatten(snapshot) if any(isinstance(v, dict) for v in snapshot.values()) else snapshot
        for path, value in flat.items():
            stats = features.get(path)
            if stats is None:
                stats = features[path] = FeatureStatistics()
            stats.present += 1
            kind = kinds.get(type(value)) or value_type(value)
            types = stats.types
            types[kind] = types.get(kind, 0) + 1
            if kind == "int" or kind == "float":
                values = numbers.get(path)
                if values is None:
                    values = numbers[path] = []
                values.append(value)
            elif kind == "string" or kind == "bool":
                category = value if kind == "string" else ("true" if value else "false")
                categories = stats.categories
                categories[category] = categories.get(category, 0) + 1
            elif kind == "null":
                stats.nulls += 1
            examples = stats.examples.get(kind)
            if examples is None:
                stats.examples[kind] = [value if kind in _EXAMPLE_AS_IS else str(value)[:100]]
            elif len(examples) < MAX_EXAMPLES and kind != "object" and value not in examples:
                examples.append(value if kind in _EXAMPLE_AS_IS else str(value)[:100])
    profile.rows = rows
    for path, values in numbers.items():
        sketch = kll_doubles_sketch(KLL_K)
        array = np.asarray(values, dtype=np.float64)
        sketch.update(array[np.isfinite(array)])
        features[path].sketch = sketch
    for stats in features.values():
        _cap(stats.categories)
    return profile


def profiles_merge(profiles: Iterable[Profile]) -> Profile:
    merged = Profile()
    for profile in profiles:
        merged.merge(profile)
    return merged
