"""One error shape for the whole API: {"message": ..., "extra": {...}}."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response


class ApplicationError(Exception):
    """A business rule refused the request. Mapped to HTTP 400 unless a subclass says otherwise."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND


class ForbiddenError(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN


class ConflictError(ApplicationError):
    status_code = status.HTTP_409_CONFLICT


class TooManyRequestsError(ApplicationError):
    """429 with Retry-After: a throttle or a login lockout refused the request."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: str, extra: dict[str, Any] | None = None, *, retry_after: int) -> None:
        super().__init__(message, {**(extra or {}), "retry_after": retry_after})
        self.retry_after = retry_after


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    # Imported here: rest_framework.views loads the default parser (config.input_guard), which imports this module.
    from rest_framework.views import exception_handler

    if isinstance(exc, ApplicationError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequestsError) else None
        return Response({"message": exc.message, "extra": exc.extra}, status=exc.status_code, headers=headers)
    if isinstance(exc, DataError):
        # The last line of defence behind config/input_guard.py: a value the database refused is the
        # client's input, so a 400, never a 500. Inside a service's transaction nothing was stored.
        return Response(
            {"message": "The database cannot store a value in this request.", "extra": {"code": "bad_value"}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"message": "Validation error", "extra": {"code": "invalid", "fields": response.data}}
    elif isinstance(exc, exceptions.Throttled):
        retry_after = max(1, math.ceil(exc.wait or 1))
        response["Retry-After"] = str(retry_after)
        response.data = {
            "message": f"Too many requests; try again in {retry_after} seconds.",
            "extra": {"code": "rate_limited", "retry_after": retry_after},
        }
    else:
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        response.data = {"message": str(detail), "extra": {"code": getattr(exc, "default_code", "error")}}
    return response
