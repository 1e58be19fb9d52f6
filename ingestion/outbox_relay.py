"""The Kafka relay of the outbox's stream records (direct labels): publish in outbox order, mark after acks.

One relay publishes at a time (a PostgreSQL advisory lock), records in id order, with an idempotent producer
(acks=all), and rows are marked published only after every send of the batch was acknowledged. A crash
before the mark republishes the batch (at least once; consumers keep the highest version per request);
a key's records cannot be reordered, since they share a partition and are sent in order by one producer.
"""

from __future__ import annotations

import json
import logging

from django.db import connection, transaction
from kafka import KafkaProducer

from config.outbox.services import stream_records_claim, stream_records_mark_published
from ingestion import conf as kafka_conf

logger = logging.getLogger(__name__)

RELAY_LOCK = (7_007, 1)  # pg advisory lock: "the outbox stream relay"
SEND_TIMEOUT_S = 30.0


def relay_producer(*, bootstrap_servers: list[str] | str | None = None) -> KafkaProducer:
    """acks=all and idempotence: a retried send is neither duplicated nor reordered by the broker."""
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers or kafka_conf.bootstrap_servers(),
        client_id=f"{kafka_conf.client_id()}-outbox-relay",
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
    )


def stream_relay_once(*, producer: KafkaProducer, limit: int = 1000) -> int:
    """Publish up to `limit` unpublished stream records; returns how many. 0 when another relay holds the lock."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(RELAY_LOCK))
            if not cursor.fetchone()[0]:
                return 0
        rows = stream_records_claim(limit=limit)
        if not rows:
            return 0
        futures = [
            producer.send(
                row.topic,
                key=row.key.encode(),
                value=json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode(),
                headers=[("event-id", row.event_id.encode()), ("type", row.event_type.encode())],
            )
            for row in rows
        ]
        producer.flush(timeout=SEND_TIMEOUT_S)
        for future in futures:
            future.get(timeout=SEND_TIMEOUT_S)  # raises on a failed send: the transaction rolls back, nothing marked
        stream_records_mark_published(ids=[row.pk for row in rows])
    return len(rows)
