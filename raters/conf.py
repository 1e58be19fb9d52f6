"""The rater lifecycle's settings: `settings.RATERS`, read on every call so tests can override them."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The privacy floor of every report on rater attributes: no group smaller than this is ever shown.
    "DIVERSITY_MIN_K": 5,
    # Request rates per scope ("N/second|minute|hour|day"), counted in the default (Redis) cache.
    "RATE_LIMITS": {
        "signup_address": "10/hour",  # anonymous sign-ups and joins from one client address
        "signup_campaign": "300/hour",  # sign-ups and joins into one campaign, from every address
        "applications_address": "120/minute",  # staff application list and decisions, per client address
    },
}


def raters_setting(name: str) -> Any:
    configured = getattr(settings, "RATERS", {}) or {}
    value = configured.get(name, DEFAULTS[name])
    if isinstance(DEFAULTS[name], dict):
        return {**DEFAULTS[name], **(value or {})}
    return value
