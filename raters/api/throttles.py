"""Request rates for recruitment, on DRF's throttles (state in the default Redis cache).

Rates come from `RATERS["RATE_LIMITS"]` and are read per request, so a test can lower them. The client
address is DRF's `get_ident`, which trusts X-Forwarded-For only as far as `NUM_PROXIES` says.
"""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework.throttling import SimpleRateThrottle

from raters.conf import rate_limit


class _RatersThrottle(SimpleRateThrottle):
    methods: tuple[str, ...] | None = None  # None: every method

    def get_rate(self) -> str | None:
        return rate_limit(self.scope)

    def allow_request(self, request, view) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return True
        return super().allow_request(request, view)

    def cache_key_part(self, request, view) -> str:
        raise NotImplementedError

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.cache_key_part(request, view)}


class SignUpAddressThrottle(_RatersThrottle):
    """Sign-ups and joins from one client address, over every campaign."""

    scope = "signup_address"
    methods = ("POST",)

    def cache_key_part(self, request, view) -> str:
        return self.get_ident(request)


class SignUpCampaignThrottle(_RatersThrottle):
    """Sign-ups and joins into one campaign from everywhere: a ceiling on a botnet rotating addresses."""

    scope = "signup_campaign"
    methods = ("POST",)

    def cache_key_part(self, request, view) -> str:
        return str(view.kwargs.get("slug", ""))


class ApplicationsAddressThrottle(_RatersThrottle):
    scope = "applications_address"

    def cache_key_part(self, request, view) -> str:
        return self.get_ident(request)


SIGNUP_THROTTLES = (SignUpAddressThrottle, SignUpCampaignThrottle)


def signup_wait_seconds(request, *, slug: str) -> int | None:
    """For plain Django views (the sign-up form): None when allowed, else the seconds to wait.

    Every throttle is consulted (and counts the request) so one scope cannot be drained through another.
    """
    view = SimpleNamespace(kwargs={"slug": slug})
    waits = []
    for throttle_class in SIGNUP_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, view):
            waits.append(throttle.wait() or 1)
    return max(1, int(-(-max(waits) // 1))) if waits else None
