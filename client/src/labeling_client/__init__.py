"""Python client for the labeling system's REST API."""

from labeling_client.client import Client
from labeling_client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    BuildFailedError,
    ConflictError,
    LabelingError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    SignatureError,
    TransportError,
    WaitTimeoutError,
)
from labeling_client.pagination import Paginated
from labeling_client.resources.tasks import SKIP
from labeling_client.types import ImportProgress, ImportResult, Task

__version__ = "0.1.0"

__all__ = [
    "SKIP",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "BuildFailedError",
    "Client",
    "ConflictError",
    "ImportProgress",
    "ImportResult",
    "LabelingError",
    "NotFoundError",
    "Paginated",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "SignatureError",
    "Task",
    "TransportError",
    "WaitTimeoutError",
]
