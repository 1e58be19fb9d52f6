"""System checks: a malformed rate limit fails at start-up (`manage.py check`, every command), not on a request."""

from __future__ import annotations

from django.core import checks
from rest_framework.throttling import SimpleRateThrottle

from raters.conf import raters_settings


@checks.register(checks.Tags.security)
def rate_limits_parse(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for scope, rate in raters_settings.get("RATE_LIMITS").items():
        if rate is None:
            continue
        try:
            SimpleRateThrottle.parse_rate(None, rate)
        except (ValueError, KeyError, IndexError, TypeError):
            errors.append(
                checks.Error(
                    f"RATERS['RATE_LIMITS'][{scope!r}] = {rate!r} is not a rate such as '10/hour'.",
                    hint="Use <number>/<second|minute|hour|day>.",
                    id="raters.E001",
                )
            )
    return errors
