"""Dead letters: stored in the batch's transaction (so the dashboard can list reasons) and sent to the
dead-letter topic with the reason in headers and the original bytes as the value."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction

from ingestion.records import DeadLetterRecord

PAYLOAD_KEEP_BYTES = 64 * 1024


@transaction.atomic(savepoint=False)  # no savepoint: an error fails the caller's whole transaction
def dead_letters_record(*, consumer: str, dead_letters: list[DeadLetterRecord], now: datetime) -> int:
    """Idempotent on (topic, partition, offset): a replayed batch records nothing twice."""
    if not dead_letters:
        return 0
    rows = [
        (consumer, d.record.topic, d.record.partition, d.record.offset, d.reason, d.detail[:2000],
         (d.record.value or b"")[:PAYLOAD_KEEP_BYTES], len(d.record.value or b""), now)
        for d in dead_letters
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(
            """
            INSERT INTO ingestion_deadletter
                (consumer, topic, partition, "offset", reason, detail, payload, payload_size, created_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (topic, partition, "offset") DO NOTHING
            """,
            rows,
        )
    return len(rows)


def dead_letter_headers(dead_letter: DeadLetterRecord) -> list[tuple[str, bytes]]:
    record = dead_letter.record
    return [
        ("reason", dead_letter.reason.encode()),
        ("detail", dead_letter.detail[:1000].encode()),
        ("source_topic", record.topic.encode()),
        ("source_partition", str(record.partition).encode()),
        ("source_offset", str(record.offset).encode()),
    ]
