"""A real Celery worker killed (SIGKILL) mid-delivery loses nothing: a restarted worker sends the same event id."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from config.celery import app as celery_app
from config.outbox.services import event_emit
from config.webhooks.models import DeliveryStatus, WebhookDelivery
from config.webhooks.tasks import webhooks_dispatch
from tests.webhooks.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def start_worker(log: Path) -> subprocess.Popen:
    """`celery -A config worker` on the test database, in its own process group (so SIGKILL takes it all)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "WEBHOOKS_LEASE_SECONDS": str(LEASE_SECONDS),
        "WEBHOOKS_TIMEOUT_SECONDS": "30",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def stop(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path, dispatch_on_commit, endpoint_for):
    celery_app.control.purge()
    log = tmp_path / "worker.log"
    with Receiver(hold_first=True) as receiver:
        endpoint_for(receiver)
        worker = start_worker(log)
        try:
            # Given an event committed while a real worker runs: the on-commit kick reaches it through Redis
            with transaction.atomic():
                event = event_emit("annotation.created", {"annotation_id": 1}, project_id=1)
            receiver.wait_for(1, timeout=60)
            # When the worker is killed while the receiver still holds the request open
            stop(worker, signal.SIGKILL)
        finally:
            stop(worker, signal.SIGKILL)
        receiver.release.set()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and delivery.lease_until is not None

        # Then a restarted worker, swept by the beat task once the lease has passed, delivers it again
        worker = start_worker(log)
        try:
            receiver.wait_for(2, timeout=60, pump=lambda: (webhooks_dispatch.delay(), time.sleep(0.5)))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                delivery.refresh_from_db()
                if delivery.status == DeliveryStatus.SUCCEEDED:
                    break
                time.sleep(0.2)
        finally:
            stop(worker, signal.SIGTERM)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids[:2] == [event.event_id, event.event_id], log.read_text()[-3000:]
    assert all(r.verified is not None for r in receiver.received)
    assert receiver.received[1].at - receiver.received[0].at >= LEASE_SECONDS - 0.5  # not before the lease passed
    assert (delivery.status, delivery.attempt) == (DeliveryStatus.SUCCEEDED, 2)
