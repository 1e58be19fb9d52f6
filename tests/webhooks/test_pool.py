"""Connections kept alive across a delivery run, and the SSRF guard still checking every attempt."""

from __future__ import annotations

import socket
import time

import pytest
from django.db import transaction

from config.outbox.services import event_emit
from config.webhooks import ssrf
from config.webhooks.http import DeliveryPool
from config.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookDeliveryAttempt
from config.webhooks.services.deliveries import deliveries_send_due, outbox_fan_out
from config.webhooks.services.endpoints import endpoint_create
from config.webhooks.tasks import webhooks_dispatch
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def emit(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            event_emit("annotation.created", {"annotation_id": i}, project_id=7)


@pytest.fixture
def dns(monkeypatch):
    """A resolver the test controls: names in `table` resolve to its address, anything else to itself."""
    table: dict[str, str] = {}

    def resolver(host, port, *args, **kwargs):
        address = table.get(host, host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", resolver)
    return table


@pytest.fixture
def loopback_counts_as_public(monkeypatch, webhook_settings):
    """Block on, with 127.0.0.1 standing in for a public receiver (no traffic may leave this machine)."""
    webhook_settings(BLOCK_PRIVATE_ADDRESSES=True)
    real = ssrf.address_is_public
    monkeypatch.setattr(ssrf, "address_is_public", lambda address: address == "127.0.0.1" or real(address))


def test_deliveries_of_one_run_share_connections_and_the_run_closes_them(no_kick, webhook_settings, endpoint_for):
    webhook_settings(SEND_BATCH=5)
    with Receiver(keep_alive=True) as receiver:
        endpoint_for(receiver)
        emit(20)
        # When one dispatcher run sends the 20 deliveries in batches of 5
        assert webhooks_dispatch() == 20
        # Then they arrived over at most 5 connections (one per concurrent send), every signature verifying
        assert len(receiver.received) == 20
        assert all(entry.verified is not None for entry in receiver.received)
        assert 1 <= len(receiver.peers) <= 5 < 20
        assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 20
        # And the run closed its connections when it ended
        deadline = time.monotonic() + 5
        while not receiver.peers <= set(receiver.closed) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.peers <= set(receiver.closed)


def test_one_batch_without_a_pool_reuses_connections_within_it(no_kick, endpoint_for):
    with Receiver(keep_alive=True) as receiver:
        endpoint_for(receiver)
        emit(30)
        outbox_fan_out()
        assert deliveries_send_due() == 30
        assert len(receiver.received) == 30 and all(entry.verified is not None for entry in receiver.received)
        assert len(receiver.peers) < 30


def test_the_pool_is_bounded_and_evicts_the_least_recently_used_host():
    with (
        Receiver(keep_alive=True) as a,
        Receiver(keep_alive=True) as b,
        Receiver(keep_alive=True) as c,
        DeliveryPool(max_hosts=2, max_per_host=2) as pool,
    ):
        # When three receivers are posted to through a pool bounded to two keys
        for receiver in (a, b, a, c):
            assert pool.post(receiver.url, body="{}", headers={"webhook-id": "evt_1"}).ok
        # Then b (least recently used) was dropped and its connection closed; a kept its one connection
        assert pool.keys() == [
            ("http", "127.0.0.1", a.port, "127.0.0.1"),
            ("http", "127.0.0.1", c.port, "127.0.0.1"),
        ]
        deadline = time.monotonic() + 5
        while not b.closed and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b.closed == list(b.peers) and not a.closed
        assert len(a.peers) == 1 and len(a.received) == 2


def test_a_kept_connection_is_not_reused_once_the_host_resolves_to_another_address(dns):
    # Given a receiver on 127.0.0.1 and one on 127.0.0.2 at the same port, and a name that moves between them
    with Receiver(keep_alive=True) as first:
        try:
            second = Receiver(keep_alive=True, bind=("127.0.0.2", first.port))
        except OSError:
            pytest.skip("127.0.0.2 cannot be bound here")
        with second, DeliveryPool() as pool:
            dns["hooks.test"] = "127.0.0.1"
            url = f"http://hooks.test:{first.port}/in"
            assert pool.post(url, body="{}", headers={}).ok
            dns["hooks.test"] = "127.0.0.2"
            # When the next attempt resolves to the other address
            assert pool.post(url, body="{}", headers={}).ok
        # Then it went to the newly checked address over a new connection, not the one kept to the first
        assert (len(first.received), len(second.received)) == (1, 1)
        assert second.received[0].headers["host"] == f"hooks.test:{first.port}"


def test_the_guard_refuses_every_attempt_after_a_pooled_success(dns, loopback_counts_as_public):
    with Receiver(keep_alive=True) as receiver, DeliveryPool() as pool:
        dns["hooks.test"] = "127.0.0.1"
        dns["metadata.test"] = "169.254.169.254"
        url = f"http://hooks.test:{receiver.port}/in"
        # Given a successful delivery that left a connection to the checked address in the pool
        assert pool.post(url, body="{}", headers={}).ok
        # When the same host now resolves to a private address (rebinding), and another to the metadata address
        dns["hooks.test"] = "10.0.0.7"
        results = [pool.post(url, body="{}", headers={}) for _ in range(3)]
        results += [pool.post(f"http://metadata.test:{receiver.port}/x", body="{}", headers={}) for _ in range(3)]
        # Then every attempt is refused at the guard, and nothing more reached the receiver
        assert [r.ok for r in results] == [False] * 6
        assert all("non-public address (10.0.0.7)" in r.error for r in results[:3])
        assert all("non-public address (169.254.169.254)" in r.error for r in results[3:])
        assert len(receiver.received) == 1
        assert pool.keys() == [("http", "hooks.test", receiver.port, "127.0.0.1")]


def test_deliveries_to_a_blocked_host_fail_on_every_attempt_of_a_run(
    dns, no_kick, webhook_settings, loopback_counts_as_public
):
    webhook_settings(BACKOFF_BASE_SECONDS=0.01, BACKOFF_MAX_SECONDS=0.02)
    with Receiver(keep_alive=True) as receiver:
        dns["good.test"] = "127.0.0.1"
        dns["bad.test"] = "192.168.1.20"
        good = endpoint_create(url=f"http://good.test:{receiver.port}/in", event_types=["annotation.created"])
        webhook_settings(BLOCK_PRIVATE_ADDRESSES=False)  # registered while the block was off
        bad = endpoint_create(url=f"http://bad.test:{receiver.port}/in", event_types=["annotation.created"])
        webhook_settings(BLOCK_PRIVATE_ADDRESSES=True)
        receiver.secrets.append(good.secret)
        emit(1)
        outbox_fan_out()
        # When one run sends, and retries the blocked delivery several times after the good one succeeded
        with DeliveryPool() as pool:
            deadline = time.monotonic() + 10
            while WebhookDelivery.objects.get(endpoint=bad).attempt < 4 and time.monotonic() < deadline:
                deliveries_send_due(pool=pool)
                time.sleep(0.03)
        # Then the good endpoint got its one verified delivery and the blocked one was refused every time
        assert len(receiver.received) == 1 and receiver.received[0].verified is not None
        assert WebhookDelivery.objects.get(endpoint=good).status == DeliveryStatus.SUCCEEDED
        attempts = list(WebhookDeliveryAttempt.objects.filter(delivery__endpoint=bad).order_by("attempt"))
        assert len(attempts) >= 4
        assert all(a.response_status is None and "non-public address (192.168.1.20)" in a.error for a in attempts)
