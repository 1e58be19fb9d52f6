"""Dead letters: stored in the batch's transaction (so the dashboard can list reasons) and sent to the
dead-letter topic with the reason in headers. The value is the original bytes with the privacy paths applied
when it parses as a JSON object (ingestion/privacy.py), else the original bytes; a null value stays null."""

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
         None if d.payload is None else d.payload[:PAYLOAD_KEEP_BYTES], len(d.payload or b""), now)
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
        ("redacted", b"1" if dead_letter.redacted is not None else b"0"),
    ]


def dead_letters_purge(*, now: datetime | None = None) -> int:
    """Delete dead letters older than the retention period (FEEDBACK_DEAD_LETTER_RETENTION_DAYS; 0 keeps all)."""
    from datetime import timedelta

    from django.utils import timezone

    from feedback import conf as feedback_conf
    from ingestion.models import DeadLetter

    days = feedback_conf.dead_letter_retention_days()
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = DeadLetter.objects.filter(created_at__lt=cutoff).delete()
    return deleted
