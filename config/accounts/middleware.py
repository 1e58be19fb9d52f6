"""The login throttles of the token API, applied to the web login forms (rater, dashboard, admin).

Those views belong to Django and to the staff UI, so the limit is attached here instead of in each view:
to every view built on Django's LoginView (wherever its URL moves) and to the URL names in
settings.ACCOUNTS["THROTTLED_LOGIN_URLS"] (the admin's login, which wraps LoginView inside a method).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.accounts.throttles import LOGIN_THROTTLES

THROTTLED_MESSAGE = "Too many login attempts. Try again later."


class LoginThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if request.method != "POST" or request.resolver_match is None:
            return None
        view_class = getattr(view_func, "view_class", None)
        is_login_view = isinstance(view_class, type) and issubclass(view_class, LoginView)
        if not is_login_view and request.resolver_match.view_name not in settings.ACCOUNTS["THROTTLED_LOGIN_URLS"]:
            return None
        waits = []
        for throttle_class in LOGIN_THROTTLES:
            throttle = throttle_class()
            if not throttle.allow_request(request, None):
                waits.append(throttle.wait() or 1)
        if not waits:
            return None
        retry_after = max(1, math.ceil(max(waits)))
        context = {
            "message": THROTTLED_MESSAGE,
            "code": "login_throttled",
            "retry_after": retry_after,
            "retry_minutes": math.ceil(retry_after / 60),
        }
        response = render(request, "accounts/refused.html", context, status=429)
        response["Retry-After"] = str(retry_after)
        return response
