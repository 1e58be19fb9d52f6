"""Rate limits for login and token requests, per client address and per submitted account name.

DRF's throttle classes, read at call time (not at import) so a settings override applies. The web login
forms use the same classes through config.accounts.middleware, so one rate means the same on every path.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_address(request: Any) -> str | None:
    """The caller's address: REMOTE_ADDR, or the hop REST_FRAMEWORK["NUM_PROXIES"] trusted proxies report."""
    return BaseThrottle().get_ident(request) or None


def submitted_username(request: Any) -> str:
    """The account name in a login form or JSON body, case-folded so `Admin` and `admin` share a budget."""
    data = getattr(request, "data", None)
    if data is None or not hasattr(data, "get"):
        data = request.POST
    value = data.get("username") or ""
    return str(value).strip().casefold()[:150]


class _LoginThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class LoginAddressThrottle(_LoginThrottle):
    scope = "login_address"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request) or "unknown"}


class LoginAccountThrottle(_LoginThrottle):
    scope = "login_account"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        username = submitted_username(request)
        if not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.encode().hex()}


LOGIN_THROTTLES = (LoginAddressThrottle, LoginAccountThrottle)
