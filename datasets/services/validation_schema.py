"""The one write path of validation schemas: every inference or edit makes a new version of the dataset's schema."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from config.exceptions import ApplicationError
from datasets import conf as datasets_conf
from datasets.models import Dataset, ValidationReference, ValidationSchema
from feedback.statistics.schema import TYPES, kind_of

EDITABLE = {"type", "presence", "null_rate", "domain", "range", "thresholds"}


def _bad(message: str, feature: str, field: str) -> ApplicationError:
    return ApplicationError(message, {"code": "invalid_schema", "feature": feature, "field": field})


def _fraction(value: Any, feature: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _bad("Must be a number between 0 and 1", feature, field)
    return float(value)


def feature_entry_validate(feature: str, entry: dict[str, Any]) -> dict[str, Any]:
    """Check one edited feature entry and return it normalised (kind follows type)."""
    unknown = sorted(set(entry) - EDITABLE - {"kind"})
    if unknown:
        raise _bad(f"Unknown field {unknown[0]}", feature, unknown[0])
    if entry.get("type") not in TYPES:
        raise _bad(f"Type must be one of {', '.join(TYPES)}", feature, "type")
    out = dict(entry, kind=kind_of(entry["type"]))
    out["presence"] = _fraction(entry.get("presence", 1.0), feature, "presence")
    out["null_rate"] = _fraction(entry.get("null_rate", 0.0), feature, "null_rate")
    domain = entry.get("domain")
    if domain is not None and (not isinstance(domain, list) or not all(isinstance(v, str) for v in domain)):
        raise _bad("A domain is a list of strings", feature, "domain")
    out["domain"] = None if domain is None else sorted(set(domain))
    bounds = entry.get("range")
    if bounds is not None and (
        not isinstance(bounds, list) or len(bounds) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in bounds) or bounds[0] > bounds[1]
    ):  # fmt: skip
        raise _bad("A range is [low, high] with low <= high", feature, "range")
    out["range"] = bounds
    limits = entry.get("thresholds") or {}
    if not isinstance(limits, dict):
        raise _bad("Thresholds are an object", feature, "thresholds")
    known = datasets_conf.thresholds()
    for name, value in limits.items():
        if name not in known:
            raise _bad(f"Unknown threshold {name}", feature, "thresholds")
        _fraction(value, feature, f"thresholds.{name}")
    out["thresholds"] = {name: float(value) for name, value in limits.items()}
    return out


@transaction.atomic
def validation_schema_create(
    *, dataset: Dataset, reference: ValidationReference, features: dict[str, dict], note: str = "", user=None
) -> ValidationSchema:
    """A new schema version (the dataset row is locked so two edits get distinct numbers)."""
    Dataset.objects.select_for_update().get(pk=dataset.pk)
    number = (ValidationSchema.objects.filter(dataset=dataset).aggregate(top=Max("number"))["top"] or 0) + 1
    return ValidationSchema.objects.create(
        dataset=dataset, number=number, reference=reference, features=features, note=note[:500], created_by=user
    )


def validation_schema_edit(
    *, schema: ValidationSchema, changes: dict[str, dict | None], note: str = "", user=None
) -> ValidationSchema:
    """Apply per-feature changes (a partial entry merged over the old one, or None to drop the feature)."""
    if not isinstance(changes, dict) or not changes:
        raise ApplicationError("Give at least one feature to change", {"code": "invalid_schema", "field": "features"})
    features = {path: dict(entry) for path, entry in schema.features.items()}
    for path, change in changes.items():
        if not isinstance(path, str) or not path or len(path) > 300:
            raise _bad("A feature path is a non-empty string of at most 300 characters", str(path)[:50], "features")
        if change is None:
            if path not in features:
                raise _bad("No such feature in the schema", path, "features")
            del features[path]
            continue
        if not isinstance(change, dict):
            raise _bad("A feature change is an object", path, "features")
        features[path] = feature_entry_validate(path, {**features.get(path, {}), **change})
    return validation_schema_create(
        dataset=schema.dataset, reference=schema.reference, features=features, note=note, user=user
    )
