"""The SSRF guard: the address rules (unit), and deliveries and registrations it refuses (integration)."""

from __future__ import annotations

import socket

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from config.outbox.services import event_emit
from config.webhooks.http import post
from config.webhooks.models import WebhookDelivery, WebhookEndpoint
from config.webhooks.services.deliveries import deliveries_send_due, outbox_fan_out
from config.webhooks.services.endpoints import endpoint_create
from config.webhooks.ssrf import UnsafeURL, address_is_public, addresses_resolve, url_parse
from tests.webhooks.receiver import Receiver


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:db8::1", "ff02::1",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address):
    assert not address_is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert address_is_public(address)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/x", "url_scheme"),
        ("file:///etc/passwd", "url_scheme"),
        ("gopher://127.0.0.1:6379/_INFO", "url_scheme"),
        ("http:///nohost", "url_invalid"),
        ("https://user:pw@example.com/", "url_credentials"),
        ("http://example.com:99999/", "url_invalid"),
    ],
)
def test_only_plain_http_and_https_urls(url, code):
    with pytest.raises(UnsafeURL) as refused:
        url_parse(url)
    assert refused.value.extra["code"] == code


def test_a_name_resolving_to_loopback_is_refused():
    with pytest.raises(UnsafeURL) as refused:
        addresses_resolve(url_parse("http://localhost:8000/"), block_private=True)
    assert refused.value.extra["code"] == "url_private_address"


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(monkeypatch):
    # Unit test of `post` with a stubbed resolver (the integration tests below use the real one): the name does
    # not exist in DNS, so the request can only arrive if it connects to the address the guard checked.
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        checked = []

        def resolver(host, port_, *args, **kwargs):
            checked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]

        monkeypatch.setattr("config.webhooks.ssrf.socket.getaddrinfo", resolver)
        result = post(f"http://hooks.invalid:{port}/x", body="{}", headers={"webhook-id": "evt_1"})
    # The name was looked up once, by the guard; the connection only resolved the checked address literal
    assert result.ok and checked.count("hooks.invalid") == 1 and set(checked) <= {"hooks.invalid", "127.0.0.1"}
    assert receiver.received[0].headers["host"] == f"hooks.invalid:{port}"


@pytest.mark.django_db(transaction=True)
def test_with_the_block_on_a_loopback_receiver_gets_nothing(settings):
    settings.OUTBOX = {"DISPATCH_ON_COMMIT": False}
    with Receiver() as receiver:
        # Given an endpoint registered while the block was off (a development setting carried over)
        endpoint = endpoint_create(url=receiver.url, event_types=["annotation.created"])
        settings.WEBHOOKS = {**settings.WEBHOOKS, "BLOCK_PRIVATE_ADDRESSES": True}
        with transaction.atomic():
            event_emit("annotation.created", {"annotation_id": 1})
        # When the dispatcher sends
        outbox_fan_out()
        assert deliveries_send_due() == 1
        # Then the attempt failed at the guard and nothing reached the receiver
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert delivery.status == "pending" and delivery.response_status is None
        assert "non-public address (127.0.0.1)" in delivery.error
        assert receiver.received == []


@pytest.mark.django_db
def test_registering_a_private_url_is_a_400_with_the_block_on(settings, django_user_model):
    settings.WEBHOOKS = {**settings.WEBHOOKS, "BLOCK_PRIVATE_ADDRESSES": True}
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("ops", password="pw-123456789", is_staff=True))
    for url in ("http://127.0.0.1:9/x", "http://localhost/", "http://[::1]/", "http://169.254.169.254/latest"):
        response = client.post("/api/webhooks/", {"url": url, "event_types": ["item.resolved"]}, format="json")
        assert response.status_code == 400, url
        assert response.json()["extra"]["code"] == "url_private_address"
    assert not WebhookEndpoint.objects.exists()
