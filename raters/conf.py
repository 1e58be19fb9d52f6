"""The rater lifecycle's settings: `settings.RATERS`, with every default here (config/app_settings.py)."""

from __future__ import annotations

from typing import Any

from config.app_settings import AppSettings

DEFAULTS: dict[str, Any] = {
    # The privacy floor of every report on rater attributes: no group smaller than this is ever shown.
    "DIVERSITY_MIN_K": 5,
    # Request rates per scope ("N/second|minute|hour|day"), counted in the default (Redis) cache.
    "RATE_LIMITS": {
        "signup_address": "10/hour",  # anonymous sign-ups and joins from one client address
        "signup_campaign": "300/hour",  # sign-ups and joins into one campaign, from every address
        "applications_address": "120/minute",  # staff application list and decisions, per client address
    },
    # Answers per feedback block: a rater sees their gold score, and is paid, a block at a time.
    "FEEDBACK_BLOCK": 10,
}

raters_settings = AppSettings("RATERS", DEFAULTS)


def diversity_min_k() -> int:
    """The privacy floor, never below 2: the smallest group any report on rater attributes may show."""
    return max(2, int(raters_settings.get("DIVERSITY_MIN_K")))


def rate_limit(scope: str) -> str | None:
    return raters_settings.get("RATE_LIMITS").get(scope)


def feedback_block() -> int:
    """Gold figures reach the rater (stats, bonus) only per completed block of this many tasks.

    Showing them after every answer would tell the rater which item was gold; per block it only says how
    many of the last N were, never which ones.
    """
    return max(1, int(raters_settings.get("FEEDBACK_BLOCK")))
