"""django-axes hooks: who an attempt counts against, and the 429 a locked-out caller gets.

Every login path (token API, rater login, dashboard login, admin login) authenticates through
`django.contrib.auth.authenticate`, so axes counts failures on all of them; AxesMiddleware then swaps the
view's answer for `lockout_response`.
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from config.accounts.throttles import client_address as _client_address
from config.accounts.throttles import submitted_username as _submitted_username

LOCKED_MESSAGE = "Too many failed logins. Try again later."


def submitted_username(request: Any, credentials: dict | None = None) -> str:
    if credentials and credentials.get("username"):
        return str(credentials["username"]).strip().casefold()[:150]
    return _submitted_username(request) if request is not None else ""


def client_address(request: Any) -> str | None:
    return _client_address(request)


def retry_after_seconds(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds())) if cool_off else 3600


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """429 with Retry-After: the API's one error shape under /api/, a plain page elsewhere."""
    retry_after = retry_after_seconds(request)
    extra = {"code": "login_locked", "retry_after": retry_after}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"message": LOCKED_MESSAGE, "extra": extra}, status=429)
    else:
        context = {"message": LOCKED_MESSAGE, "retry_minutes": math.ceil(retry_after / 60), **extra}
        response = render(request, "accounts/refused.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
