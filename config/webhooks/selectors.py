"""Reads of endpoints, their delivery log and each delivery's attempts."""

from __future__ import annotations

from django.db.models import QuerySet

from config.exceptions import NotFoundError
from config.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("id")


def endpoint_get(*, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFoundError("No such webhook endpoint.", {"code": "webhook_not_found"})
    return endpoint


def delivery_list(*, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """Newest first: the log staff read when a receiver says it missed something."""
    endpoint_get(endpoint_id=endpoint_id)
    return WebhookDelivery.objects.select_related("event").filter(endpoint_id=endpoint_id).order_by("-id")


def delivery_attempt_list(*, delivery_id: int) -> QuerySet[WebhookDeliveryAttempt]:
    """In attempt order: what each try got, where the delivery row keeps only the last."""
    if not WebhookDelivery.objects.filter(pk=delivery_id).exists():
        raise NotFoundError("No such delivery.", {"code": "delivery_not_found"})
    return WebhookDeliveryAttempt.objects.filter(delivery_id=delivery_id).order_by("attempt", "id")
