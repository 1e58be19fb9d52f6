"""Data validation settings: `settings.DATASETS_VALIDATION`, with every default here (config/app_settings.py).

`THRESHOLDS` are the defaults a schema feature's own `thresholds` override:
type_fraction (share of values of a type the schema does not allow), unseen_fraction (share of values
outside the domain), presence_drop (reference presence minus serving presence), null_rate_increase,
out_of_range_fraction, chebyshev (categorical L-infinity distance), jensen_shannon (numeric JS divergence,
base 2), extra_presence (presence of a feature the schema does not know), label_rate (absolute change of
the positive rate of direct labels).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.app_settings import AppSettings

DEFAULTS: dict[str, Any] = {
    "THRESHOLDS": {
        "type_fraction": 0.0,
        "unseen_fraction": 0.0,
        "presence_drop": 0.1,
        "null_rate_increase": 0.05,
        "out_of_range_fraction": 0.01,
        "chebyshev": 0.1,
        "jensen_shannon": 0.05,
        "extra_presence": 0.0,
        "label_rate": 0.1,
    },
    # A window needs this many requests before its distributions (and label rate) are compared.
    "MIN_ROWS": 500,
    # What a check reads when no --since is given, and how long a window stays open for compaction.
    "CHECK_LOOKBACK_SECONDS": 3600,
    "COMPACT_GRACE_SECONDS": 600,
}

validation_settings = AppSettings("DATASETS_VALIDATION", DEFAULTS)


def thresholds() -> dict[str, float]:
    """The default thresholds; an unknown name or a value outside [0, 1] is a configuration error."""
    configured = validation_settings.get("THRESHOLDS")
    unknown = sorted(set(configured) - set(DEFAULTS["THRESHOLDS"]))
    if unknown:
        raise ImproperlyConfigured(f"Unknown DATASETS_VALIDATION thresholds: {', '.join(unknown)}")
    values = {}
    for name, value in configured.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ImproperlyConfigured(f"DATASETS_VALIDATION threshold {name} must be a number in [0, 1]")
        values[name] = float(value)
    return values


def min_rows() -> int:
    return int(validation_settings.get("MIN_ROWS"))


def check_lookback_seconds() -> int:
    return int(validation_settings.get("CHECK_LOOKBACK_SECONDS"))


def compact_grace_seconds() -> int:
    return int(validation_settings.get("COMPACT_GRACE_SECONDS"))
