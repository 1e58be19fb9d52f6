"""The one write path of OutboxEvent rows: `event_emit` (one event) and `stream_records_emit` (a batch).

Both refuse to run outside a transaction: an event written on its own could survive a change that rolled
back, or be lost when the change commits and the process dies before the event is written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from config.outbox import conf
from config.outbox.events import EVENT_TYPES, STREAM_TYPES, schema_version
from config.outbox.models import Channel, OutboxEvent


class OutboxOutsideTransaction(RuntimeError):
    """An event was emitted outside the transaction of the change it describes (a programming error)."""


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise OutboxOutsideTransaction("event_emit must run inside the transaction of the change it describes.")


KICK_KEY = "outbox:dispatch-queued"
KICK_TTL_SECONDS = 30


def _dispatch_kick() -> None:
    """Queue one dispatcher run unless one is queued and not started yet (it will see this commit's events).

    `cache.add` is one Redis SET NX, far cheaper than publishing a Celery message on every commit; the task
    deletes the key when it starts. The TTL bounds the wait if a queued run is lost (beat sweeps meanwhile).
    """
    from config.webhooks.tasks import webhooks_dispatch

    if cache.add(KICK_KEY, 1, timeout=KICK_TTL_SECONDS):
        webhooks_dispatch.delay()


def _kick_after_commit() -> None:
    """Ask the dispatcher to run once this transaction commits (once per transaction, however many events)."""
    if not conf.dispatch_on_commit():
        return
    if any(callback is _dispatch_kick for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_dispatch_kick, robust=True)


def event_emit(
    event_type: str, payload: dict, *, project_id: int | None = None, dedupe_key: str | None = None
) -> OutboxEvent:
    """Write one webhook event in the caller's transaction; it is dispatched after the commit.

    With `dedupe_key`, a second emit of the same key is a no-op (INSERT ... ON CONFLICT DO NOTHING), for
    facts that must be announced once (a project completed at N items).
    """
    _require_transaction()
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}; add it to config/outbox/events.py and the docs.")
    version = schema_version(event_type)
    event = OutboxEvent(
        event_id=new_event_id(),
        event_type=event_type,
        schema_version=version,
        channel=Channel.WEBHOOK,
        project_id=project_id,
        payload={"schema_version": version, **payload},
        dedupe_key=dedupe_key,
        created_at=timezone.now(),
    )
    # One raw statement: this runs inside hot services (annotation_submit), where the ORM's save costs more
    # than the INSERT. A repeated dedupe_key inserts nothing (pk stays None).
    with connection.cursor() as cursor:
        cursor.execute(
            _EVENT_INSERT,
            [event.event_id, event_type, version, project_id, json.dumps(event.payload, separators=(",", ":")),
             dedupe_key, event.created_at],
        )  # fmt: skip
        row = cursor.fetchone()
    event.pk = row[0] if row else None
    _kick_after_commit()
    return event


_EVENT_INSERT = """
INSERT INTO outbox_outboxevent
    (event_id, event_type, schema_version, channel, project_id, topic, key, payload, dedupe_key, created_at)
VALUES (%s, %s, %s, 'webhook', %s, '', '', %s::jsonb, %s, %s)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""


def events_emit_many(events: Iterable[tuple[str, dict, int | None]]) -> int:
    """`event_emit` for a batch of (event_type, payload, project_id): one INSERT (a bulk resolution run)."""
    _require_transaction()
    now = timezone.now()
    rows = []
    for event_type, payload, project_id in events:
        if event_type not in EVENT_TYPES:
            raise ValueError(f"Unknown event type {event_type!r}.")
        version = schema_version(event_type)
        rows.append(
            OutboxEvent(
                event_id=new_event_id(),
                event_type=event_type,
                schema_version=version,
                channel=Channel.WEBHOOK,
                project_id=project_id,
                payload={"schema_version": version, **payload},
                created_at=now,
            )
        )
    if rows:
        OutboxEvent.objects.bulk_create(rows, batch_size=2000)
        _kick_after_commit()
    return len(rows)


def stream_records_emit(*, record_type: str, topic: str, records: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
    """Write Kafka records `(key, dedupe_key, payload)` in the caller's transaction, in the given order.

    A record whose `dedupe_key` is already in the outbox is skipped, so replaying a batch adds nothing.
    Returns how many rows were written.
    """
    _require_transaction()
    version = STREAM_TYPES[record_type]
    keys, dedupe_keys, payloads = [], [], []
    for key, dedupe_key, payload in records:
        keys.append(key)
        dedupe_keys.append(dedupe_key)
        payloads.append(json.dumps({"schema_version": version, **payload}, separators=(",", ":")))
    if not keys:
        return 0
    with connection.cursor() as cursor:
        event_ids = [new_event_id() for _ in keys]
        params = [record_type, version, topic, timezone.now(), event_ids, keys, dedupe_keys, payloads]
        cursor.execute(_STREAM_INSERT, params)
        return cursor.rowcount


# One statement for the batch; WITH ORDINALITY keeps the caller's order in the ids (the relay's order).
_STREAM_INSERT = """
INSERT INTO outbox_outboxevent
    (event_id, event_type, schema_version, channel, project_id, topic, key, payload, dedupe_key, created_at)
SELECT r.event_id, %s, %s, 'stream', NULL, %s, r.key, r.payload::jsonb, r.dedupe_key, %s
FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) WITH ORDINALITY AS r(event_id, key, dedupe_key, payload, n)
ORDER BY r.n
ON CONFLICT (dedupe_key) DO NOTHING
"""


def webhook_events_claim(*, limit: int) -> list[OutboxEvent]:
    """Lock the oldest webhook events not yet fanned out; a concurrent dispatcher skips them (SKIP LOCKED).
    The caller marks them with `webhook_events_mark_dispatched` in the same transaction."""
    _require_transaction()
    return list(
        OutboxEvent.objects.select_for_update(skip_locked=True)
        .filter(channel=Channel.WEBHOOK, dispatched_at__isnull=True)
        .order_by("id")[:limit]
    )


def webhook_events_mark_dispatched(*, ids: list[int]) -> None:
    OutboxEvent.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())


def stream_records_claim(*, limit: int) -> list[OutboxEvent]:
    """The oldest unpublished stream records, in outbox order. The caller holds the relay lock, so one relay
    publishes at a time and a key's records reach the broker in the order they were written."""
    return list(OutboxEvent.objects.filter(channel=Channel.STREAM, published_at__isnull=True).order_by("id")[:limit])


def stream_records_mark_published(*, ids: list[int]) -> None:
    """After the broker acknowledged them (acks=all)."""
    OutboxEvent.objects.filter(pk__in=ids).update(published_at=timezone.now())


def outbox_prune(*, older_than_days: int | None = None) -> int:
    """Delete handed-on rows past the retention period (their deliveries go with them)."""
    from datetime import timedelta

    days = conf.retention_days() if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    handed_on = Q(channel=Channel.WEBHOOK, dispatched_at__isnull=False) | Q(
        channel=Channel.STREAM, published_at__isnull=False
    )
    deleted, _ = OutboxEvent.objects.filter(handed_on, created_at__lt=cutoff).delete()
    return deleted
