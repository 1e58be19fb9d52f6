"""Exceptions: every API refusal carries the server's `message` and `extra`, whatever the status."""

from __future__ import annotations

from typing import Any


class LabelingError(Exception):
    """Base class of everything this package raises on purpose."""


class ApiError(LabelingError):
    """The server answered with an error: `{"message": ..., "extra": {"code": ..., ...}}`."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra: dict[str, Any] = extra or {}
        self.status = status

    @property
    def code(self) -> str | None:
        code = self.extra.get("code")
        return str(code) if code is not None else None

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.status or ''}{code} {self.message}".strip()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(message={self.message!r}, extra={self.extra!r}, status={self.status!r})"


class BadRequestError(ApiError):
    """400: the input was refused and nothing was stored; `extra["fields"]` or `extra["errors"]` say why."""


class AuthenticationError(ApiError):
    """401: no token, a wrong, expired or revoked one."""


class PermissionDeniedError(ApiError):
    """403: authenticated, but this account may not do this (a rater on a staff endpoint, a paused rater)."""


class NotFoundError(ApiError):
    """404: no such object, or not one this account may see."""


class ConflictError(ApiError):
    """409: the request clashes with the current state (already submitted, lease expired, instructions changed)."""


class PayloadTooLargeError(ApiError):
    """413: the body is above the server's upload limit."""


class RateLimitedError(ApiError):
    """429 after the retries ran out; `retry_after` is the server's advice in seconds."""

    @property
    def retry_after(self) -> float | None:
        value = self.extra.get("retry_after")
        return float(value) if isinstance(value, int | float) else None


class ServerError(ApiError):
    """5xx after the retries ran out."""


class TransportError(LabelingError):
    """The server could not be reached or the connection broke (after the retries)."""

    def __init__(self, message: str, *, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.__cause__ = cause


class BuildFailedError(LabelingError):
    """A dataset version build ended in `failed`; `version` is the server's summary of it."""

    def __init__(self, message: str, version: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.version = version


class WaitTimeoutError(LabelingError, TimeoutError):
    """Waiting for a build (or another long job) took longer than the timeout given."""


class SignatureError(LabelingError):
    """A webhook delivery's signature, id or timestamp did not verify: do not trust the body."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitedError,
}


def error_for(status: int, body: Any, fallback: str) -> ApiError:
    """The exception for one error response; a body outside the one error shape still gives a message."""
    message, extra = fallback, {}
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("detail") or fallback)
        extra = body.get("extra") if isinstance(body.get("extra"), dict) else {}
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(message, extra, status)
