"""Labeling's settings: `settings.LABELING`, with every default here (config/app_settings.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.app_settings import AppSettings

DEFAULTS: dict[str, Any] = {
    # Largest item file an upload may send (the API refuses more before parsing).
    "ITEM_UPLOAD_MAX_BYTES": 50 * 1024 * 1024,
    # Adaptive overlap (docs/adr/0014-adaptive-overlap.md): the accuracy a rater without a fitted reliability
    # is given while no fit exists (with a fit, the label-weighted mean of the fitted raters is used), how many
    # pseudo-labels of that prior every fitted figure is shrunk with, and the cap on any one rater's accuracy.
    "ADAPTIVE_PRIOR_ACCURACY": 0.7,
    "ADAPTIVE_PRIOR_WEIGHT": 10.0,
    "ADAPTIVE_MAX_RELIABILITY": 0.99,
    # A model rater (docs/adr/0015) is measured only on items two or more people labelled; with fewer such
    # items than this it stays unmeasured (no MachineReliability), so its vote never counts in overlap.
    "MACHINE_MIN_MEASURED_ITEMS": 20,
}

labeling_settings = AppSettings("LABELING", DEFAULTS)


def item_upload_max_bytes() -> int:
    return int(labeling_settings.get("ITEM_UPLOAD_MAX_BYTES"))


def adaptive_model_settings() -> tuple[float, float, float]:
    """(prior accuracy, prior weight, max reliability) for the adaptive-overlap posterior, checked."""
    prior = float(labeling_settings.get("ADAPTIVE_PRIOR_ACCURACY"))
    weight = float(labeling_settings.get("ADAPTIVE_PRIOR_WEIGHT"))
    cap = float(labeling_settings.get("ADAPTIVE_MAX_RELIABILITY"))
    if not (0 < prior < 1 and weight >= 0 and prior <= cap < 1):
        raise ImproperlyConfigured(
            "LABELING adaptive overlap: need 0 < ADAPTIVE_PRIOR_ACCURACY <= ADAPTIVE_MAX_RELIABILITY < 1 "
            "and ADAPTIVE_PRIOR_WEIGHT >= 0."
        )
    return prior, weight, cap


def machine_min_measured_items() -> int:
    return int(labeling_settings.get("MACHINE_MIN_MEASURED_ITEMS"))
