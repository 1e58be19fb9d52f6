"""The webhooks API: staff only, the contract's shapes, validation codes that store nothing."""

from __future__ import annotations

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from config.outbox.services import event_emit
from config.webhooks.models import WebhookDelivery, WebhookEndpoint
from config.webhooks.services.deliveries import deliveries_send_due, outbox_fan_out
from labeling.services.projects import project_create
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(django_user_model) -> APIClient:
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("ops", password="pw-123456789", is_staff=True))
    return client


@pytest.fixture
def project():
    return project_create(name="hooks-project", label_type="single", categories=["a", "b"])


def create(client, **body):
    body = {"url": "https://hooks.example.com/in", "event_types": ["item.resolved"], "project": None, **body}
    return client.post("/api/webhooks/", body, format="json")


def test_create_shows_the_secret_once_and_lists_without_it(ops, project):
    response = create(ops, project=project.pk, description="retraining trigger")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "url", "event_types", "project", "description", "status", "secret", "created_at"}
    assert body["secret"].startswith("whsec_") and body["project"] == project.pk and body["status"] == "active"
    listed = ops.get("/api/webhooks/").json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]
    assert "secret" not in ops.get(f"/api/webhooks/{body['id']}/").json()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"event_types": ["item.resolved", "item.exploded"]}, "unknown_event_type"),
        ({"event_types": []}, "invalid_event_types"),
        ({"event_types": "item.resolved"}, "invalid_event_types"),
        ({"url": "ftp://hooks.example.com/"}, "url_scheme"),
        ({"url": "javascript:alert(1)"}, "url_scheme"),
        ({"url": "https://u:p@hooks.example.com/"}, "url_credentials"),
        ({"project": 999999}, "project_not_found"),
    ],
)
def test_bad_input_is_a_400_with_a_code_and_stores_nothing(ops, body, code):
    response = create(ops, **body)
    assert response.status_code == 400
    assert response.json()["extra"]["code"] == code
    assert not WebhookEndpoint.objects.exists()


def test_raters_and_anonymous_callers_are_refused(django_user_model):
    rater = APIClient()
    rater.force_authenticate(django_user_model.objects.create_user("rater", password="pw-123456789"))
    assert create(rater).status_code == 403
    assert rater.get("/api/webhooks/").status_code == 403
    assert create(APIClient()).status_code in (401, 403)
    assert not WebhookEndpoint.objects.exists()


def test_patch_rotate_delete(ops):
    endpoint = create(ops).json()
    url = f"/api/webhooks/{endpoint['id']}/"
    patched = ops.patch(
        url, {"event_types": ["project.completed", "item.resolved"], "status": "disabled"}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["event_types"] == ["item.resolved", "project.completed"]
    assert patched.json()["status"] == "disabled"
    assert ops.patch(url, {"status": "failing"}, format="json").json()["extra"]["code"] == "invalid_status"
    rotated = ops.post(f"{url}rotate-secret/").json()
    assert set(rotated) == {"secret", "previous_secret_expires_at"} and rotated["secret"] != endpoint["secret"]
    stored = WebhookEndpoint.objects.get()
    assert (stored.secret, stored.previous_secret) == (rotated["secret"], endpoint["secret"])
    assert ops.delete(url).status_code == 204
    assert ops.get(url).status_code == 404


def test_delivery_log_and_redelivery(ops, settings):
    settings.OUTBOX = {"DISPATCH_ON_COMMIT": False}
    with Receiver(statuses=[500]) as receiver:
        endpoint = create(ops, url=receiver.url, event_types=["annotation.created"]).json()
        receiver.secrets.append(endpoint["secret"])
        with transaction.atomic():
            event = event_emit("annotation.created", {"annotation_id": 5})
        outbox_fan_out()
        deliveries_send_due()
        log = ops.get(f"/api/webhooks/{endpoint['id']}/deliveries/").json()
        assert log["count"] == 1
        row = log["results"][0]
        assert set(row) == {"id", "event_id", "event_type", "attempt", "status", "response_status", "error",
                            "created_at", "next_attempt_at"}  # fmt: skip
        assert (row["event_id"], row["status"], row["response_status"], row["attempt"]) == (
            event.event_id, "pending", 500, 1,
        )  # fmt: skip
        # Still being retried: a manual redelivery is refused
        redeliver = f"/api/webhooks/deliveries/{row['id']}/redeliver/"
        assert ops.post(redeliver).json()["extra"]["code"] == "delivery_pending"
        WebhookDelivery.objects.filter(pk=row["id"]).update(next_attempt_at=None, status="failed")
        assert ops.post(redeliver).status_code == 202
        outbox_fan_out()
        deliveries_send_due()
        assert [r.headers["webhook-id"] for r in receiver.received] == [event.event_id, event.event_id]
        assert receiver.received[1].verified is not None
        assert ops.post("/api/webhooks/deliveries/999999/redeliver/").status_code == 404
