"""What the OpenAPI schema says beyond each view's own declaration: the error responses, once for all.

The exception handler (config/exceptions.py) turns every refusal into `{"message", "extra": {"code", ...}}`
with one of a few status codes, so the schema declares that shape once as the `Error` component and adds
those codes to every operation (a postprocessing hook), plus the codes a few operations add
(`EXTRA_STATUS_CODES`). schemathesis (tests/test_api_fuzz.py) checks every response against it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

ERROR_STATUS_CODES = {
    "400": "Invalid input: `extra.code`, and `extra.field`/`extra.reason` or `extra.fields` say what and why.",
    "401": "No valid credentials were sent.",
    "403": "The caller may not do this.",
    "404": "No such object, or not one the caller can see.",
    "409": "Conflicts with the current state (a duplicate, a race lost, a finished object).",
    "429": "Too many requests; `Retry-After` and `extra.retry_after` say when to retry.",
}
# Further codes some operations return, by operationId.
EXTRA_STATUS_CODES = {
    "projects_items_create": {"413": "The upload is larger than the limit."},
    "annotation_imports_create": {"413": "The upload is larger than the limit."},
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of the API.",
    "properties": {
        "message": {"type": "string"},
        "extra": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "field": {"type": "string"},
                "reason": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
                "retry_after": {"type": "integer"},
            },
            "additionalProperties": True,
        },
    },
    "required": ["message", "extra"],
}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the Error component and the error codes of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            extra = {}
            for prefix, codes in EXTRA_STATUS_CODES.items():
                if operation.get("operationId") == prefix:
                    extra.update(codes)
            for code, description in {**ERROR_STATUS_CODES, **extra}.items():
                operation["responses"].setdefault(code, _error_response(description))
    return result


PAGINATION_PARAMETERS = [
    OpenApiParameter("limit", int, description="Number of results to return per page."),
    OpenApiParameter("offset", int, description="The initial index from which to return the results."),
]


def paginated(serializer_class: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The response of an APIView that paginates by hand with LimitOffsetPagination (count/next/previous)."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
