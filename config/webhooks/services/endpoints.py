"""The one write path of WebhookEndpoint rows: register, change, delete, rotate the secret, mark failing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError, NotFoundError
from config.outbox.events import EVENT_TYPES
from config.webhooks import conf
from config.webhooks.models import EndpointStatus, WebhookEndpoint
from config.webhooks.signing import secret_new
from config.webhooks.ssrf import addresses_resolve, url_parse

MAX_URL = 2000
MAX_DESCRIPTION = 500


def event_types_validate(event_types: Any) -> list[str]:
    if not isinstance(event_types, list) or not event_types or not all(isinstance(t, str) for t in event_types):
        raise ApplicationError(
            "event_types must be a non-empty list of event type names.",
            {"code": "invalid_event_types", "field": "event_types"},
        )
    unknown = sorted({t for t in event_types if t not in EVENT_TYPES})
    if unknown:
        raise ApplicationError(
            f"Unknown event types: {', '.join(unknown)}.",
            {"code": "unknown_event_type", "field": "event_types", "unknown": unknown, "known": sorted(EVENT_TYPES)},
        )
    return sorted(set(event_types))


def url_validate(url: Any) -> str:
    """http/https only; with the private-address block on, the host must resolve to public addresses now
    (it is checked again at every delivery, since DNS answers change)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise ApplicationError(f"url must be a URL of at most {MAX_URL} characters.", {"code": "url_invalid"})
    target = url_parse(url)
    if conf.block_private_addresses():
        addresses_resolve(target, block_private=True)
    return url


def _description(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise ApplicationError(
            f"description must be text of at most {MAX_DESCRIPTION} characters.", {"code": "invalid_description"}
        )
    return value


@transaction.atomic
def endpoint_create(
    *, url: Any, event_types: Any, project_id: int | None = None, description: Any = "", created_by=None
) -> WebhookEndpoint:
    """Register an endpoint with a fresh secret. The caller checked that `project_id` names a project."""
    return WebhookEndpoint.objects.create(
        url=url_validate(url),
        event_types=event_types_validate(event_types),
        project_id=project_id,
        description=_description(description),
        secret=secret_new(),
        created_by=created_by,
    )


def _locked(endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFoundError("No such webhook endpoint.", {"code": "webhook_not_found"})
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint_id: int, **changes: Any) -> WebhookEndpoint:
    """Change url, event_types, project_id, description or status. Re-enabling a failing endpoint
    (status `active`) resumes its pending deliveries."""
    endpoint = _locked(endpoint_id)
    fields = []
    if "url" in changes:
        endpoint.url = url_validate(changes["url"])
        fields.append("url")
    if "event_types" in changes:
        endpoint.event_types = event_types_validate(changes["event_types"])
        fields.append("event_types")
    if "project_id" in changes:
        endpoint.project_id = changes["project_id"]
        fields.append("project_id")
    if "description" in changes:
        endpoint.description = _description(changes["description"])
        fields.append("description")
    if "status" in changes:
        status = changes["status"]
        if status not in (EndpointStatus.ACTIVE, EndpointStatus.DISABLED):
            raise ApplicationError(
                "status can be set to active or disabled.", {"code": "invalid_status", "field": "status"}
            )
        endpoint.status = status
        endpoint.failing_since = None
        fields += ["status", "failing_since"]
    if fields:
        endpoint.save(update_fields=[*fields, "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint_id: int) -> None:
    _locked(endpoint_id).delete()


@transaction.atomic
def endpoint_rotate_secret(*, endpoint_id: int) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (a second signature) for the overlap period."""
    endpoint = _locked(endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(seconds=conf.rotation_overlap_seconds())
    endpoint.secret = secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint


def endpoint_mark_failing(*, endpoint_id: int) -> None:
    """Retries ran out: nothing more is sent to it until staff set it active again. Caller's transaction."""
    WebhookEndpoint.objects.filter(pk=endpoint_id, status=EndpointStatus.ACTIVE).update(
        status=EndpointStatus.FAILING, failing_since=timezone.now(), updated_at=timezone.now()
    )
