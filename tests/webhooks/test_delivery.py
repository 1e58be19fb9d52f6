"""Deliveries to a real HTTP receiver on loopback, verified with the standardwebhooks library."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.db import transaction

from config.outbox.models import OutboxEvent
from config.outbox.services import event_emit
from config.webhooks.models import DeliveryStatus, EndpointStatus, WebhookDelivery
from config.webhooks.services.deliveries import (
    deliveries_claim,
    deliveries_send_due,
    delivery_redeliver,
    outbox_fan_out,
)
from config.webhooks.services.endpoints import endpoint_rotate_secret, endpoint_update
from config.webhooks.tasks import webhooks_dispatch
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def emit(n: int = 1, project_id: int | None = 7) -> OutboxEvent:
    with transaction.atomic():
        return event_emit("annotation.created", {"annotation_id": n}, project_id=project_id)


def pump_until(receiver: Receiver, count: int, timeout: float = 10.0) -> None:
    receiver.wait_for(count, timeout=timeout, pump=lambda: (outbox_fan_out(), deliveries_send_due()))


def test_committed_events_arrive_signed_and_a_rolled_back_one_never(eager_celery, dispatch_on_commit, endpoint_for):
    with Receiver() as receiver:
        endpoint_for(receiver)
        # Given one committed event and one whose transaction rolled back
        event = emit(1)
        with pytest.raises(RuntimeError), transaction.atomic():
            event_emit("annotation.created", {"annotation_id": 2}, project_id=7)
            raise RuntimeError("the change failed")
        # When the on-commit dispatch ran (and a later sweep too)
        receiver.wait_for(1)
        webhooks_dispatch()
        time.sleep(0.2)
        # Then exactly the committed event arrived, with a signature the standardwebhooks library accepts
        assert len(receiver.received) == 1
        got = receiver.received[0]
        assert got.verified is not None, "signature did not verify"
        assert got.verified["type"] == "annotation.created"
        assert got.verified["data"] == {"schema_version": 1, "annotation_id": 1}
        assert datetime.fromisoformat(got.verified["timestamp"]) == event.created_at.astimezone(UTC)
        assert got.headers["webhook-id"] == event.event_id
        assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 30
        assert OutboxEvent.objects.count() == 1
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.response_status, delivery.attempt) == (DeliveryStatus.SUCCEEDED, 200, 1)


def test_only_matching_endpoints_get_an_event(no_kick, endpoint_for):
    with Receiver() as mine, Receiver() as other_project, Receiver() as other_type:
        endpoint_for(mine, project_id=7)
        endpoint_for(other_project, project_id=8)
        endpoint_for(other_type, event_types=["item.resolved"])
        emit(1, project_id=7)
        pump_until(mine, 1)
        deliveries_send_due()
        assert (len(mine.received), len(other_project.received), len(other_type.received)) == (1, 0, 0)


def test_500_three_times_then_200_is_delivered_once_more_after_backoff(no_kick, webhook_settings, endpoint_for):
    webhook_settings(BACKOFF_BASE_SECONDS=0.2, BACKOFF_MAX_SECONDS=0.4)
    with Receiver(statuses=[500, 500, 500]) as receiver:
        endpoint_for(receiver)
        event = emit()
        outbox_fan_out()
        schedule = []
        deadline = time.monotonic() + 20
        while len(receiver.received) < 4 and time.monotonic() < deadline:
            if deliveries_send_due():
                d = WebhookDelivery.objects.get()
                schedule.append((d.status, d.response_status, d.last_attempt_at, d.next_attempt_at))
                # Not due again at the moment of the failed attempt: a retry waits for its backoff
                assert d.status == DeliveryStatus.SUCCEEDED or not deliveries_claim(limit=10, now=d.last_attempt_at)
            time.sleep(0.01)

        assert [r.status for r in receiver.received] == [500, 500, 500, 200]
        assert {r.headers["webhook-id"] for r in receiver.received} == {event.event_id}
        assert all(r.verified is not None for r in receiver.received)
        for status, code, last, next_at in schedule[:3]:
            assert (status, code) == (DeliveryStatus.PENDING, 500) and next_at > last
        for i, (_, _, last, next_at) in enumerate(schedule[:3]):
            waited = receiver.received[i + 1].at - receiver.received[i].at
            assert waited >= (next_at - last).total_seconds() - 0.05
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempt, delivery.response_status) == (DeliveryStatus.SUCCEEDED, 4, 200)
        # And once delivered it is never sent again
        time.sleep(0.5)
        assert deliveries_send_due() == 0 and len(receiver.received) == 4


def test_retries_run_out_then_the_endpoint_is_failing_until_re_enabled(no_kick, webhook_settings, endpoint_for):
    webhook_settings(RETRY_PERIOD_SECONDS=0)
    with Receiver(default_status=503) as receiver:
        endpoint = endpoint_for(receiver)
        emit(1)
        pump_until(receiver, 1)
        delivery = WebhookDelivery.objects.get()
        endpoint.refresh_from_db()
        assert (delivery.status, delivery.response_status, delivery.error) == (DeliveryStatus.FAILED, 503, "HTTP 503")
        assert endpoint.status == EndpointStatus.FAILING and endpoint.failing_since is not None
        # A failing endpoint is sent nothing new
        emit(2)
        outbox_fan_out()
        assert deliveries_send_due() == 0 and len(receiver.received) == 1

        # Staff fix the receiver, re-enable the endpoint and redeliver the failed event
        receiver.default_status = 200
        endpoint_update(endpoint_id=endpoint.pk, status="active")
        redelivery = delivery_redeliver(delivery_id=delivery.pk)
        emit(3)
        pump_until(receiver, 3)
        ids = [r.headers["webhook-id"] for r in receiver.received]
        assert ids[0] in ids[1:], "the redelivery carries the original event id"
        redelivery.refresh_from_db()
        assert redelivery.status == DeliveryStatus.SUCCEEDED and redelivery.redelivery_of_id == delivery.pk


def test_rotation_signs_with_both_secrets_during_the_overlap(no_kick, webhook_settings, endpoint_for):
    with Receiver() as receiver:
        endpoint = endpoint_for(receiver)
        old = endpoint.secret
        new = endpoint_rotate_secret(endpoint_id=endpoint.pk).secret
        emit(1)
        pump_until(receiver, 1)
        got = receiver.received[0]
        signatures = got.headers["webhook-signature"].split(" ")
        assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
        for secret in (old, new):
            assert Receiver(secrets=[secret]).verify(got.body, got.headers) is not None

        # After the overlap only the new secret signs
        webhook_settings(ROTATION_OVERLAP_SECONDS=0)
        newest = endpoint_rotate_secret(endpoint_id=endpoint.pk).secret
        emit(2)
        pump_until(receiver, 2)
        got = receiver.received[1]
        assert len(got.headers["webhook-signature"].split(" ")) == 1
        assert Receiver(secrets=[newest]).verify(got.body, got.headers) is not None
        assert Receiver(secrets=[new]).verify(got.body, got.headers) is None


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(no_kick, endpoint_for):
    with Receiver() as elsewhere, Receiver(statuses=[302]) as receiver:
        receiver.extra_headers = {"location": elsewhere.url}
        endpoint_for(receiver)
        emit(1)
        pump_until(receiver, 1)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and delivery.response_status == 302
        assert "Redirect refused" in delivery.error
        assert elsewhere.received == []


def test_a_slow_receiver_times_out(no_kick, webhook_settings, endpoint_for):
    webhook_settings(TIMEOUT_SECONDS=0.3)
    with Receiver(hold_first=True) as receiver:
        endpoint_for(receiver)
        emit(1)
        started = time.monotonic()
        pump_until(receiver, 1)
        assert time.monotonic() - started < 5
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and "Timeout" in delivery.error
