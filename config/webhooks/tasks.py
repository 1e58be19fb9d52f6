"""Celery tasks: the dispatcher (kicked after each commit that wrote events, and by beat as a sweeper)."""

from __future__ import annotations

import time

from celery import shared_task
from django.core.cache import cache

from config.outbox.services import KICK_KEY
from config.webhooks import conf
from config.webhooks.http import DeliveryPool
from config.webhooks.services.deliveries import deliveries_send_due, outbox_fan_out

MAX_SECONDS_PER_RUN = 20.0


@shared_task(name="config.webhooks.tasks.webhooks_dispatch", ignore_result=True)
def webhooks_dispatch() -> int:
    """Fan out new events, then send due deliveries until none is due (or the run's time is up)."""
    cache.delete(KICK_KEY)  # commits from now on queue another run
    started = time.monotonic()
    while outbox_fan_out() >= conf.dispatch_batch() and time.monotonic() - started < MAX_SECONDS_PER_RUN:
        pass
    sent = 0
    with DeliveryPool() as pool:  # connections kept alive across the run's batches, closed at its end
        while time.monotonic() - started < MAX_SECONDS_PER_RUN:
            outbox_fan_out()
            batch = deliveries_send_due(pool=pool)
            sent += batch
            if batch == 0:
                break
    return sent


@shared_task(name="config.webhooks.tasks.outbox_prune", ignore_result=True)
def outbox_prune() -> int:
    from config.outbox.services import outbox_prune as prune

    return prune()
