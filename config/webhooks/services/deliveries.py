"""The one write path of WebhookDelivery and WebhookDeliveryAttempt rows: fan-out, claim (lease), record
attempts, redeliver.

A delivery is done only after the receiver answered 2xx. Claiming writes a lease and commits before the
request is sent, so a worker killed mid-send leaves a row another worker claims once the lease has passed:
the same event goes out again with the same `webhook-id` (at least once).
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from config.exceptions import ConflictError, NotFoundError
from config.outbox.models import OutboxEvent
from config.outbox.services import webhook_events_claim, webhook_events_mark_dispatched
from config.webhooks import conf
from config.webhooks.http import MAX_ERROR, DeliveryPool, SendResult
from config.webhooks.models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint
from config.webhooks.services.endpoints import endpoint_mark_failing
from config.webhooks.signing import body_of, headers_for, signing_secrets


def endpoint_matches(endpoint: WebhookEndpoint, event: OutboxEvent) -> bool:
    if event.event_type not in endpoint.event_types:
        return False
    return endpoint.project_id is None or endpoint.project_id == event.project_id


@transaction.atomic
def outbox_fan_out(*, limit: int | None = None) -> int:
    """Turn the oldest undispatched events into one pending delivery per matching active endpoint.

    Returns how many events were handled (fewer than `limit`: the queue is empty for now).
    """
    events = webhook_events_claim(limit=limit or conf.dispatch_batch())
    if not events:
        return 0
    endpoints = list(WebhookEndpoint.objects.filter(status=EndpointStatus.ACTIVE))
    now = timezone.now()
    rows = [
        WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now)
        for event in events
        for endpoint in endpoints
        if endpoint_matches(endpoint, event)
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    webhook_events_mark_dispatched(ids=[event.pk for event in events])
    return len(events)


_CLAIM = """
UPDATE webhooks_webhookdelivery d
SET attempt = d.attempt + 1, lease_until = %(lease_until)s, last_attempt_at = %(now)s,
    first_attempt_at = coalesce(d.first_attempt_at, %(now)s)
WHERE d.id IN (
    SELECT x.id FROM webhooks_webhookdelivery x
    JOIN webhooks_webhookendpoint e ON e.id = x.endpoint_id
    WHERE x.status = 'pending' AND x.next_attempt_at <= %(now)s
      AND (x.lease_until IS NULL OR x.lease_until <= %(now)s) AND e.status = 'active'
    ORDER BY x.next_attempt_at, x.id
    LIMIT %(limit)s
    FOR UPDATE OF x SKIP LOCKED
)
RETURNING d.id, d.attempt
"""


@transaction.atomic
def deliveries_claim(*, limit: int, now: datetime | None = None) -> list[tuple[int, int]]:
    """Lease due deliveries (those of active endpoints, no live lease); returns (id, attempt) pairs."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM, {"now": now, "lease_until": now + timedelta(seconds=conf.lease_seconds()), "limit": limit}
        )
        return list(cursor.fetchall())


def backoff_seconds(attempt: int, *, rng: random.Random | None = None) -> float:
    """Full jitter: uniform(0, min(max, base * 2**(attempt - 1))) before the retry after `attempt`."""
    cap = min(conf.backoff_max_seconds(), conf.backoff_base_seconds() * 2 ** max(attempt - 1, 0))
    return (rng or random).uniform(0, cap)


@dataclass(frozen=True)
class Prepared:
    delivery_id: int
    attempt: int
    url: str
    body: str
    headers: dict[str, str]


def _prepare(claimed: list[tuple[int, int]], *, now: datetime) -> list[Prepared]:
    attempts = dict(claimed)
    deliveries = WebhookDelivery.objects.select_related("endpoint", "event").filter(pk__in=list(attempts))
    prepared = []
    for delivery in deliveries:
        body = body_of(delivery.event)
        keys = signing_secrets(delivery.endpoint, now=now)
        prepared.append(
            Prepared(
                delivery.pk,
                attempts[delivery.pk],
                delivery.endpoint.url,
                body,
                headers_for(msg_id=delivery.event.event_id, body=body, keys=keys, now=now),
            )
        )
    return prepared


# One statement for the batch (Django's bulk_update builds a CASE per field and row: slow in Python).
_RECORD = """
UPDATE webhooks_webhookdelivery d
SET status = v.status, response_status = v.response_status::smallint, error = v.error,
    delivered_at = v.delivered_at, next_attempt_at = v.next_attempt_at, lease_until = NULL
FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::text[], %s::timestamptz[], %s::timestamptz[])
    AS v(id, status, response_status, error, delivered_at, next_attempt_at)
WHERE d.id = v.id
"""


_RECORD_COLUMNS = ("pk", "status", "response_status", "error", "delivered_at", "next_attempt_at")

# Every attempt whose delivery still exists, once per (delivery, attempt) even if recorded twice.
_LOG = """
INSERT INTO webhooks_webhookdeliveryattempt (delivery_id, attempt, started_at, duration_ms, response_status, error)
SELECT v.delivery_id, v.attempt, coalesce(v.started_at, %s), v.duration_ms, v.response_status::smallint, v.error
FROM unnest(%s::bigint[], %s::int[], %s::timestamptz[], %s::int[], %s::int[], %s::text[])
    AS v(delivery_id, attempt, started_at, duration_ms, response_status, error)
JOIN webhooks_webhookdelivery d ON d.id = v.delivery_id
ON CONFLICT (delivery_id, attempt) DO NOTHING
"""


def _log_attempts(outcomes: list[tuple[int, int, SendResult]], *, now: datetime) -> None:
    columns = [
        [delivery_id for delivery_id, _, _ in outcomes],
        [attempt for _, attempt, _ in outcomes],
        [result.started_at for _, _, result in outcomes],
        [max(0, result.duration_ms) for _, _, result in outcomes],
        [result.status for _, _, result in outcomes],
        [result.error[:MAX_ERROR] for _, _, result in outcomes],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_LOG, [now, *columns])


def _outcome(delivery: WebhookDelivery, attempt: int, result: SendResult, now: datetime) -> bool:
    """Apply one attempt's outcome to the locked row; True when the retries ran out (endpoint failing)."""
    delivery.response_status = result.status
    delivery.error = result.error
    delivery.lease_until = None
    if result.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        return False
    if (now - delivery.first_attempt_at).total_seconds() >= conf.retry_period_seconds():
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        return True
    delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(attempt))
    return False


@transaction.atomic
def deliveries_record(*, outcomes: list[tuple[int, int, SendResult]]) -> None:
    """Store a batch of attempts' outcomes `(delivery id, attempt, result)` in one transaction.

    Each attempt gets its row in the attempt log. A 2xx always completes the delivery. A failure schedules the
    next attempt, or fails the delivery once the retry period is over (and marks its endpoint failing), unless
    a later attempt has claimed the row since.
    """
    by_id = {delivery_id: (attempt, result) for delivery_id, attempt, result in outcomes}
    rows = WebhookDelivery.objects.select_for_update().filter(pk__in=list(by_id), status=DeliveryStatus.PENDING)
    now = timezone.now()
    changed, failing = [], set()
    locked = list(rows.order_by("id"))
    _log_attempts(outcomes, now=now)
    for delivery in locked:
        attempt, result = by_id[delivery.pk]
        if not result.ok and delivery.attempt != attempt:
            continue  # a later attempt owns the row now
        if _outcome(delivery, attempt, result, now):
            failing.add(delivery.endpoint_id)
        changed.append(delivery)
    if changed:
        columns = [[getattr(d, name) for d in changed] for name in _RECORD_COLUMNS]
        with connection.cursor() as cursor:
            cursor.execute(_RECORD, columns)
    for endpoint_id in sorted(failing):
        endpoint_mark_failing(endpoint_id=endpoint_id)


def deliveries_send_due(*, limit: int | None = None, pool: DeliveryPool | None = None) -> int:
    """Claim a batch of due deliveries, send them concurrently, record each outcome. Returns how many were sent.

    Connections are kept alive in `pool` (the caller's run closes it); without one, for this batch only.
    """
    if pool is None:
        with DeliveryPool() as own:
            return deliveries_send_due(limit=limit, pool=own)
    now = timezone.now()
    claimed = deliveries_claim(limit=limit or conf.send_batch(), now=now)
    if not claimed:
        return 0
    prepared = _prepare(claimed, now=now)
    with ThreadPoolExecutor(max_workers=min(conf.send_concurrency(), len(prepared))) as threads:
        results = list(threads.map(lambda p: pool.post(p.url, body=p.body, headers=p.headers), prepared))
    deliveries_record(
        outcomes=[(item.delivery_id, item.attempt, result) for item, result in zip(prepared, results, strict=True)]
    )
    return len(prepared)


@transaction.atomic
def delivery_redeliver(*, delivery_id: int) -> WebhookDelivery:
    """Send the event of a delivery again, as a new delivery row (same event id, attempts from one)."""
    original = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if original is None:
        raise NotFoundError("No such delivery.", {"code": "delivery_not_found"})
    if original.status == DeliveryStatus.PENDING:
        raise ConflictError("This delivery is still being attempted.", {"code": "delivery_pending"})
    if original.endpoint.status == EndpointStatus.DISABLED:
        raise ConflictError("The endpoint is disabled; enable it first.", {"code": "endpoint_disabled"})
    return WebhookDelivery.objects.create(
        endpoint=original.endpoint,
        event_id=original.event_id,
        redelivery_of=original,
        next_attempt_at=timezone.now(),
    )
