"""Predictions, resolved labels and webhooks through the client; signature verification in a receiver.

The API tests run against the live server; the signature checks sign deliveries locally with the
standardwebhooks library, as the server does.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from labeling_client import BadRequestError, NotFoundError, PermissionDeniedError, SignatureError
from labeling_client.webhooks import verify, webhook_id
from standardwebhooks.webhooks import Webhook


def _secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def _signed(secret: str, event: dict, *, msg_id: str = "msg_1", at: datetime | None = None) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    when = at or datetime.now(tz=UTC)
    signature = Webhook(secret).sign(msg_id, when, body.decode())
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())), "webhook-signature": signature}
    return body, headers


EVENT = {"type": "item.resolved", "timestamp": "2026-12-01T10:00:00Z", "data": {"project": 1, "item": "s-1"}}


def test_a_signed_delivery_verifies_and_decodes():
    secret = _secret()
    body, headers = _signed(secret, EVENT)
    assert verify(body, headers, secret) == EVENT
    # Header names are case-insensitive, as HTTP servers hand them over
    assert verify(body, {k.title(): v for k, v in headers.items()}, secret) == EVENT
    assert webhook_id({"Webhook-Id": "msg_1"}) == "msg_1"


def test_a_tampered_body_a_wrong_secret_or_a_stale_timestamp_is_refused():
    secret = _secret()
    body, headers = _signed(secret, EVENT)
    with pytest.raises(SignatureError):
        verify(body.replace(b"s-1", b"s-2"), headers, secret)
    with pytest.raises(SignatureError):
        verify(body, headers, _secret())
    old_body, old_headers = _signed(secret, EVENT, at=datetime.now(tz=UTC) - timedelta(hours=1))
    with pytest.raises(SignatureError):
        verify(old_body, old_headers, secret)  # a replayed capture is refused
    with pytest.raises(SignatureError):
        verify(body, {**headers, "webhook-signature": "garbage"}, secret)
    with pytest.raises(SignatureError):
        verify(body, {"webhook-id": "msg_1"}, secret)


def test_during_a_rotation_either_secret_verifies():
    old, new = _secret(), _secret()
    body, headers = _signed(old, EVENT)
    assert verify(body, headers, [new, old]) == EVENT
    with pytest.raises(SignatureError):
        verify(body, headers, [new])


@pytest.mark.django_db(transaction=True)
def test_predictions_upload_and_list(staff):
    project = staff.projects.create("client-predictions", label_type="single", categories=["a", "b"])
    staff.items.bulk_import(project, [{"external_id": f"p-{n}", "payload": {"n": n}} for n in range(30)])
    rows = [
        {"item": f"p-{n}", "value": "a" if n % 2 else "b", "score": 0.9, "probabilities": {"a": 0.9, "b": 0.1}}
        for n in range(30)
    ]

    answer = staff.predictions.upload(project, rows, model="clf", version="v1", chunk_size=10)

    assert answer["created"] == 30
    listed = staff.predictions.list(project, model="clf", version="v1", page_size=7)
    assert listed.count == 30 and len(listed.to_list()) == 30

    with pytest.raises(BadRequestError) as caught:
        staff.predictions.upload(
            project, [*rows[:12], {"item": "no-such-item", "value": "a"}], model="clf", version="v2", chunk_size=10
        )
    assert caught.value.code == "invalid_predictions"
    assert any(e["index"] == 12 for e in caught.value.extra["errors"])  # counted over the whole input


@pytest.mark.django_db(transaction=True)
def test_resolved_labels_since(staff, rater_client):
    # Given a project whose items a scripted rater labels and staff resolve
    project = staff.projects.create(
        "client-labels", label_type="single", categories=["a", "b"], overlap=1, pause_fast_share_above=None
    )
    staff.items.bulk_import(project, [{"external_id": f"l-{n}", "payload": {"n": n}} for n in range(5)])
    rater = rater_client("lena")
    staff.projects.add_member(project, username=rater.me()["username"])
    before = datetime.now(tz=UTC) - timedelta(seconds=5)
    assert staff.labels.resolved(project, since=before).to_list() == []
    assert rater.tasks.run(project, lambda task: "a" if task.payload["n"] % 2 else "b") == 5
    staff.resolutions.resolve(project, now=True)

    # Then the labels since before the resolve are every item's answer, and none come after now
    labels = staff.labels.resolved(project, since=before, page_size=2).to_list()
    assert sorted((row["item"], row["value"]) for row in labels) == [
        (f"l-{n}", "a" if n % 2 else "b") for n in range(5)
    ]
    assert staff.labels.resolved(project, since=datetime.now(tz=UTC) + timedelta(seconds=1)).to_list() == []


@pytest.mark.django_db(transaction=True)
def test_webhooks_register_rotate_and_deliveries(staff, rater_client):
    hook = staff.webhooks.create("https://example.org/hooks", event_types=["item.resolved"], description="ci")
    assert hook["secret"].startswith("whsec_") and hook["status"]
    assert any(h["id"] == hook["id"] for h in staff.webhooks.list())

    rotated = staff.webhooks.rotate_secret(hook)
    assert rotated["secret"] != hook["secret"] and rotated["previous_secret_expires_at"]
    assert staff.webhooks.update(hook, description="changed")["description"] == "changed"
    assert staff.webhooks.deliveries(hook).count == 0  # nothing happened since it was registered

    rater = rater_client("hooky")
    with pytest.raises(PermissionDeniedError):
        rater.webhooks.create("https://example.org/x", event_types=["item.resolved"])

    staff.webhooks.delete(hook)
    with pytest.raises(NotFoundError):
        staff.webhooks.get(hook)


def _receiver_module():
    path = Path(__file__).resolve().parent.parent.parent / "client" / "examples" / "webhook_receiver.py"
    spec = importlib.util.spec_from_file_location("webhook_receiver", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_receiver_verifies_and_handles_a_repeat_once():
    # Given the example receiver on a free port, with the current and the previous secret
    old, new = _secret(), _secret()
    handled: list[dict] = []
    server = _receiver_module().make_server([new, old], handled.append, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        body, headers = _signed(old, EVENT, msg_id="msg_42")
        # When the same delivery arrives twice (a retry), and a forged one once
        first = requests.post(url, data=body, headers=headers, timeout=10)
        again = requests.post(url, data=body, headers=headers, timeout=10)
        forged = requests.post(url, data=body.replace(b"s-1", b"s-9"), headers=headers, timeout=10)
    finally:
        server.shutdown()
        server.server_close()

    # Then both copies are accepted, the event is handled once, and the forgery is refused
    assert (first.status_code, again.status_code, forged.status_code) == (204, 204, 400)
    assert handled == [EVENT]
