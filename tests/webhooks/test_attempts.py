"""The per-attempt log: one row per attempt, written with the outcome, read through the staff API."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from config.outbox.models import OutboxEvent
from config.outbox.services import event_emit, outbox_prune
from config.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookDeliveryAttempt
from config.webhooks.services.deliveries import deliveries_send_due, outbox_fan_out
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ops(django_user_model) -> APIClient:
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("ops", password="pw-123456789", is_staff=True))
    return client


def deliver_500_500_200(webhook_settings, endpoint_for) -> tuple[WebhookDelivery, Receiver]:
    webhook_settings(BACKOFF_BASE_SECONDS=0.05, BACKOFF_MAX_SECONDS=0.1)
    with Receiver(statuses=[500, 500]) as receiver:
        endpoint_for(receiver)
        with transaction.atomic():
            event_emit("annotation.created", {"annotation_id": 1}, project_id=7)
        outbox_fan_out()
        receiver.wait_for(3, pump=deliveries_send_due)
    return WebhookDelivery.objects.get(), receiver


def test_500_500_200_gives_three_attempts_in_order(no_kick, webhook_settings, endpoint_for):
    delivery, receiver = deliver_500_500_200(webhook_settings, endpoint_for)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempt == 3
    attempts = list(WebhookDeliveryAttempt.objects.filter(delivery=delivery).order_by("attempt"))
    assert [(a.attempt, a.response_status, a.error) for a in attempts] == [
        (1, 500, "HTTP 500"), (2, 500, "HTTP 500"), (3, 200, ""),
    ]  # fmt: skip
    assert all(a.duration_ms >= 0 for a in attempts)
    assert attempts[0].started_at < attempts[1].started_at < attempts[2].started_at <= delivery.delivered_at
    assert [r.status for r in receiver.received] == [500, 500, 200]


def test_the_api_lists_attempts_paginated_and_404s_an_unknown_delivery(ops, no_kick, webhook_settings, endpoint_for):
    delivery, _ = deliver_500_500_200(webhook_settings, endpoint_for)
    url = f"/api/webhooks/deliveries/{delivery.pk}/attempts/"
    body = ops.get(url).json()
    assert body["count"] == 3
    assert [(r["attempt"], r["response_status"], r["error"]) for r in body["results"]] == [
        (1, 500, "HTTP 500"), (2, 500, "HTTP 500"), (3, 200, ""),
    ]  # fmt: skip
    assert set(body["results"][0]) == {"attempt", "started_at", "duration_ms", "response_status", "error"}
    assert all(r["duration_ms"] >= 0 for r in body["results"])
    page = ops.get(url, {"limit": 1, "offset": 2}).json()
    assert page["count"] == 3 and [r["attempt"] for r in page["results"]] == [3]
    missing = ops.get("/api/webhooks/deliveries/999999/attempts/")
    assert missing.status_code == 404
    assert missing.json() == {"message": "No such delivery.", "extra": {"code": "delivery_not_found"}}


def test_raters_and_anonymous_callers_are_refused(django_user_model, no_kick, webhook_settings, endpoint_for):
    delivery, _ = deliver_500_500_200(webhook_settings, endpoint_for)
    url = f"/api/webhooks/deliveries/{delivery.pk}/attempts/"
    rater = APIClient()
    rater.force_authenticate(django_user_model.objects.create_user("rater", password="pw-123456789"))
    assert rater.get(url).status_code == 403
    assert APIClient().get(url).status_code in (401, 403)


def test_attempts_are_deleted_with_their_delivery_by_the_outbox_retention(no_kick, webhook_settings, endpoint_for):
    deliver_500_500_200(webhook_settings, endpoint_for)
    assert WebhookDeliveryAttempt.objects.count() == 3
    time.sleep(0.01)
    # The event, its delivery and the delivery's three attempts
    assert outbox_prune(older_than_days=0) == 5
    assert not OutboxEvent.objects.exists()
    assert not WebhookDelivery.objects.exists() and not WebhookDeliveryAttempt.objects.exists()
