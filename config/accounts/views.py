"""Password reset by email, only where mail can actually be sent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

UNAVAILABLE = "Password reset by email is not set up on this server. Ask a staff member to reset your password."


def password_reset(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Django's reset form, or a clear 503 when no mail server is configured (instead of a mail that never leaves)."""
    if not settings.PASSWORD_RESET_BY_EMAIL:
        context = {"message": UNAVAILABLE, "code": "password_reset_unavailable"}
        return render(request, "accounts/unavailable.html", context, status=503)
    return PasswordResetView.as_view()(request, *args, **kwargs)
