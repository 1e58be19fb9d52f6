"""A schema inferred from reference statistics: per feature path its type, presence, domain or range.

The inferred schema is a starting point that staff edit (each edit a new version, in the datasets app).
A feature's type is its majority non-null type, with int widened to float when both occur; a string or
bool feature with at most `MAX_DOMAIN` distinct values gets a domain (its values), a numeric one a range.
"""

from __future__ import annotations

from typing import Any

from feedback.statistics.profile import CATEGORICAL_TYPES, NUMERIC_TYPES, OTHER, Profile

MAX_DOMAIN = 200
TYPES = ("int", "float", "string", "bool", "list", "object")
THRESHOLD_NAMES = (
    "type_fraction",
    "unseen_fraction",
    "presence_drop",
    "null_rate_increase",
    "out_of_range_fraction",
    "chebyshev",
    "jensen_shannon",
)


def kind_of(type_name: str) -> str:
    if type_name in NUMERIC_TYPES:
        return "numeric"
    if type_name in CATEGORICAL_TYPES:
        return "categorical"
    return "other"


def compatible(schema_type: str, seen: str) -> bool:
    """A float feature accepts ints (JSON writes 3.0 as 3); nothing else is widened."""
    return seen == schema_type or (schema_type == "float" and seen == "int")


def schema_infer(profile: Profile) -> dict[str, dict[str, Any]]:
    features: dict[str, dict[str, Any]] = {}
    rows = max(profile.rows, 1)
    for path, stats in sorted(profile.features.items()):
        typed = {name: n for name, n in stats.types.items() if name != "null"}
        if not typed:
            type_name = "null"
        elif set(typed) <= {"int", "float"} and "float" in typed:
            type_name = "float"
        else:
            type_name = max(typed.items(), key=lambda kv: (kv[1], kv[0]))[0]
        entry: dict[str, Any] = {
            "type": type_name,
            "kind": kind_of(type_name),
            "presence": round(stats.present / rows, 6),
            "null_rate": round(stats.nulls / max(stats.present, 1), 6),
            "domain": None,
            "range": None,
            "thresholds": {},
        }
        if entry["kind"] == "categorical" and OTHER not in stats.categories and len(stats.categories) <= MAX_DOMAIN:
            entry["domain"] = sorted(stats.categories)
        if entry["kind"] == "numeric" and stats.sketch is not None and not stats.sketch.is_empty():
            entry["range"] = [stats.sketch.get_min_value(), stats.sketch.get_max_value()]
        features[path] = entry
    return features
