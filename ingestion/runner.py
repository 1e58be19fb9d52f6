"""The consume loop: poll a batch, run the handler in one DB transaction (with the offsets table),
send dead letters, then commit the Kafka offsets. Never auto-commit: a crash anywhere replays the batch,
and the handler's upserts make the replay a no-op (docs/adr/0003-offsets-after-commit.md)."""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    close_old_connections,
    connections,
    reset_queries,
    transaction,
)
from django.utils import timezone
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.record import util as kafka_record_util

from ingestion import conf as kafka_conf
from ingestion.dead_letters import dead_letter_headers, dead_letters_record
from ingestion.offsets import consumer_offsets_record, consumer_offsets_restart
from ingestion.records import BatchResult, DeadLetterRecord, Record
from ingestion.registry import ConsumerSpec

logger = logging.getLogger(__name__)

# How often the consumer records the partitions it has read to their end (the watermark's idle rule).
IDLE_MARK_EVERY_S = 1.0


class ConsumerRunner:
    def __init__(
        self,
        spec: ConsumerSpec,
        *,
        bootstrap_servers: list[str] | str | None = None,
        on_batch: Callable[[BatchResult, int], None] | None = None,
    ) -> None:
        self.spec = spec
        self.bootstrap_servers = bootstrap_servers or kafka_conf.bootstrap_servers()
        self.stopping = False
        self.on_batch = on_batch
        self.handler = spec.handler
        self.prepare = spec.prepare
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self._topic_ids: dict[str, object] = {}
        self.totals: dict[str, int] = {}

    # -- lifecycle -------------------------------------------------------------------------------
    def stop(self, *_: object) -> None:
        """SIGTERM/SIGINT: finish the batch in hand, commit, exit."""
        self.stopping = True

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def _make_consumer(self) -> KafkaConsumer:
        client_id = f"{kafka_conf.client_id()}-{self.spec.name}"
        return KafkaConsumer(
            *self.spec.topics,
            bootstrap_servers=self.bootstrap_servers,
            client_id=client_id,
            group_id=self.spec.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.spec.max_batch,
            fetch_max_wait_ms=self.spec.fetch_max_wait_ms,
            session_timeout_ms=self.spec.session_timeout_ms,
            heartbeat_interval_ms=self.spec.heartbeat_interval_ms,
            max_poll_interval_ms=self.spec.max_poll_interval_ms,
            metadata_max_age_ms=self.spec.metadata_max_age_ms,
            reconnect_backoff_max_ms=2000,
            fetch_max_bytes=8 * 1024 * 1024,
            **({"group_instance_id": self.spec.group_instance_id} if self.spec.group_instance_id else {}),
        )

    @property
    def producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(bootstrap_servers=self.bootstrap_servers, linger_ms=5)
        return self._producer

    # -- one batch -------------------------------------------------------------------------------
    def process(
        self,
        records: list[Record],
        prepared: object | None = None,
        caught_up: dict[tuple[str, int], tuple[int, int | None]] | None = None,
    ) -> BatchResult:
        """Handler + offsets table in one transaction; retried on DB errors (the batch is idempotent).

        `caught_up`: assigned partitions without records in this batch that have been read to their end,
        recorded too, so an idle partition does not hold the watermark back (docs/adr/0019).
        """
        next_offsets: dict[tuple[str, int], int] = {}
        for record in records:
            key = (record.topic, record.partition)
            if next_offsets.get(key, -1) <= record.offset:
                next_offsets[key] = record.offset + 1
        positions = {**(caught_up or {})}
        positions.update({key: (offset, self._highwater(*key)) for key, offset in next_offsets.items()})
        delay = 0.2
        while True:
            try:
                with transaction.atomic():
                    if prepared is None:
                        result = self.handler(records, consumer=self.spec.name)
                    else:
                        result = self.handler(records, consumer=self.spec.name, prepared=prepared)
                    consumer_offsets_record(
                        group=self.spec.group, positions=positions, now=timezone.now(), event_times=result.event_times
                    )
                return result
            except (DataError, IntegrityError) as exc:
                # Not transient: some record the validators let through cannot be stored. Never stall the
                # partition on it: store the batch record by record and dead-letter the ones that fail.
                logger.warning("batch of %d rejected by the database (%s); splitting it", len(records), exc)
                return self._process_one_by_one(records, positions)
            except DatabaseError as exc:
                # Deadlock, lost connection, restart: nothing was committed; try the same batch again.
                logger.warning("batch of %d failed (%s); retrying in %.1fs", len(records), exc, delay)
                close_old_connections()
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
                if self.stopping and delay >= 5.0:
                    raise

    def _process_one_by_one(
        self, records: list[Record], positions: dict[tuple[str, int], tuple[int, int | None]]
    ) -> BatchResult:
        combined = BatchResult()
        for record in records:
            try:
                with transaction.atomic():
                    result = self.handler([record], consumer=self.spec.name)
            except (DataError, IntegrityError) as exc:
                dead = DeadLetterRecord(record=record, reason="unstorable", detail=str(exc)[:1000])
                with transaction.atomic():
                    dead_letters_record(consumer=self.spec.name, dead_letters=[dead], now=timezone.now())
                result = BatchResult(dead_letters=[dead], stats={"dead_letters": 1})
            combined.dead_letters.extend(result.dead_letters)
            for key, at in result.event_times.items():
                if key not in combined.event_times or combined.event_times[key] < at:
                    combined.event_times[key] = at
            for name, value in result.stats.items():
                combined.stats[name] = combined.stats.get(name, 0) + value
        with transaction.atomic():
            consumer_offsets_record(
                group=self.spec.group, positions=positions, now=timezone.now(), event_times=combined.event_times
            )
        return combined

    def _highwater(self, topic: str, partition: int) -> int | None:
        if self._consumer is None:
            return None
        return self._consumer.highwater(TopicPartition(topic, partition))

    def caught_up_positions(self, skip: set[tuple[str, int]] = frozenset()) -> dict[tuple[str, int], tuple[int, int]]:
        """Assigned partitions whose position has reached the high-water mark (main thread only)."""
        out: dict[tuple[str, int], tuple[int, int]] = {}
        if self._consumer is None:
            return out
        for tp in self._consumer.assignment():
            key = (tp.topic, tp.partition)
            highwater = self._consumer.highwater(tp)
            if key in skip or highwater is None:
                continue
            try:
                position = self._consumer.position(tp, timeout_ms=1000)
            except KafkaError:
                continue
            if position is not None and position >= highwater:
                out[key] = (position, highwater)
        return out

    def mark_idle(self) -> None:
        """No batch in hand and nothing to read: record the caught-up partitions (the watermark's idle rule)."""
        positions = self.caught_up_positions()
        if positions:
            with transaction.atomic():
                consumer_offsets_record(group=self.spec.group, positions=positions, now=timezone.now())

    def send_dead_letters(self, result: BatchResult) -> None:
        if not result.dead_letters or not self.spec.dead_letter_topic:
            return
        for dead in result.dead_letters:
            self.producer.send(
                self.spec.dead_letter_topic,
                value=dead.payload,  # None stays a null value, never b""
                key=dead.record.key,
                headers=dead_letter_headers(dead),
            )
        self.producer.flush(timeout=30)

    def commit(self, records: list[Record]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            if tp not in offsets or offsets[tp].offset <= record.offset:
                offsets[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
        try:
            self._consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group rebalanced: the new owner replays these records, and the upserts absorb them.
            logger.warning("offset commit failed after rebalance: %s", exc)
        except KafkaError as exc:
            logger.warning("offset commit failed (%s); records will be replayed", exc)

    # -- recreated topics ------------------------------------------------------------------------
    def recreated_topics(self) -> set[str]:
        """Subscribed topics whose topic id changed since the last look (main thread only).

        A topic deleted and created again, or a broker that lost its log, keeps its name but starts its
        offsets at 0 again. The consumer's positions then point into a different log: where the new log is
        already longer, fetching goes on from there and silently skips its first records. The topic id
        (Kafka 2.8+, KIP-516) is the only sign; without one (older brokers) nothing can be seen here.
        """
        cluster = self._consumer._client.cluster  # kafka-python keeps the metadata there; no public accessor
        changed: set[str] = set()
        for topic in self.spec.topics:
            topic_id = cluster.topic_id(topic)
            if topic_id is None:
                continue
            seen = self._topic_ids.get(topic)
            if seen is not None and seen != topic_id:
                changed.add(topic)
            self._topic_ids[topic] = topic_id
        return changed

    def restart_topics(self, topics: set[str]) -> None:
        """Read recreated topics again from their first offset, and forget their recorded positions.

        Replaying is safe (the handlers' upserts absorb it); skipping is not. The group's commit for these
        partitions is moved back too, so a crash right after this does not resume at the stale offsets.
        """
        partitions = [tp for tp in self._consumer.assignment() if tp.topic in topics]
        logger.warning(
            "topic(s) %s were recreated (topic id changed): reading %d partition(s) again from the beginning",
            ", ".join(sorted(topics)),
            len(partitions),
        )
        if partitions:
            self._consumer.seek_to_beginning(*partitions)
            try:
                self._consumer.commit({tp: OffsetAndMetadata(0, "", -1) for tp in partitions})
            except KafkaError as exc:  # a rebalance resets positions from the (lost) commits: earliest
                logger.warning("could not move the commit back for recreated topics: %s", exc)
        with transaction.atomic():
            consumer_offsets_restart(group=self.spec.group, topics=sorted(topics), now=timezone.now())
        self.totals["topics_recreated"] = self.totals.get("topics_recreated", 0) + len(topics)

    # -- the loop --------------------------------------------------------------------------------
    def _finish(self, records: list[Record], result: BatchResult, skip_topics: set[str] = frozenset()) -> None:
        """After the batch's DB transaction committed: dead letters out, then the Kafka offsets.

        skip_topics: topics found recreated meanwhile; their offsets in this batch point into a log that
        is gone (or at stale places of the new one) and must not be committed.
        """
        self.send_dead_letters(result)
        self.commit([r for r in records if r.topic not in skip_topics] if skip_topics else records)
        for name, value in result.stats.items():
            self.totals[name] = self.totals.get(name, 0) + value
        if self.on_batch is not None:
            self.on_batch(result, len(records))

    def run(self, *, max_records: int | None = None, idle_exit_s: float | None = None) -> dict[str, int]:
        """Consume until stopped (or `max_records` consumed, or `idle_exit_s` without a record).

        Pipelined by one batch: while a worker thread writes batch N to PostgreSQL, this thread polls
        batch N+1. Batch N's offsets are committed (on this thread; the consumer is not thread-safe) only
        after its transaction committed, and before batch N+1 is handed over.
        """
        if kafka_record_util.crc32c_c is None:
            logger.warning(
                "the crc32c package is missing: kafka-python checks record CRCs in pure Python, which costs "
                "most of this consumer's CPU (pip install -r requirements.txt)"
            )
        self._consumer = self._make_consumer()
        # The DB thread mostly waits on PostgreSQL round trips while this thread decodes Kafka responses;
        # with the default 5 ms GIL switch interval every round trip's reply waits for the GIL.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(switch_interval, 0.0005))
        consumed = 0
        last_record_at = time.monotonic()
        last_mark_at = 0.0
        inflight: tuple[list[Record], Future] | None = None
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.spec.name}-db")
        try:
            while not self.stopping:
                polled = self._consumer.poll(timeout_ms=10 if inflight else 500, max_records=self.spec.max_batch)
                recreated = self.recreated_topics()
                if recreated:
                    polled = {tp: messages for tp, messages in polled.items() if tp.topic not in recreated}
                    if inflight is not None:
                        self._finish(inflight[0], inflight[1].result(), skip_topics=recreated)
                        inflight = None
                    self.restart_topics(recreated)
                records = [
                    Record(m.topic, m.partition, m.offset, m.value, m.timestamp, m.key)
                    for messages in polled.values()
                    for m in messages
                ]
                if inflight is not None and (records or inflight[1].done()):
                    self._finish(inflight[0], inflight[1].result())
                    inflight = None
                if not records:
                    if inflight is None and time.monotonic() - last_mark_at >= IDLE_MARK_EVERY_S:
                        self.mark_idle()
                        last_mark_at = time.monotonic()
                    if inflight is None and not self._consumer.assignment():  # still joining: not idle
                        last_record_at = time.monotonic()
                    elif (
                        inflight is None and idle_exit_s is not None and time.monotonic() - last_record_at > idle_exit_s
                    ):
                        break
                    continue
                prepared = self.prepare(records) if self.prepare is not None else None
                caught_up = None
                if time.monotonic() - last_mark_at >= IDLE_MARK_EVERY_S:
                    caught_up = self.caught_up_positions(skip={(r.topic, r.partition) for r in records})
                    last_mark_at = time.monotonic()
                inflight = (records, executor.submit(self._process_in_thread, records, prepared, caught_up))
                consumed += len(records)
                last_record_at = time.monotonic()
                if max_records is not None and consumed >= max_records:
                    break
            if inflight is not None:  # SIGTERM or a limit: finish the batch in hand, commit, exit
                self._finish(inflight[0], inflight[1].result())
        finally:
            executor.submit(connections.close_all).result()  # the worker thread's own DB connection
            executor.shutdown(wait=True)
            sys.setswitchinterval(switch_interval)
            self.close()
        self.totals["consumed"] = consumed
        return self.totals

    def _process_in_thread(
        self, records: list[Record], prepared: object | None, caught_up: dict | None = None
    ) -> BatchResult:
        try:
            return self.process(records, prepared, caught_up)
        finally:
            reset_queries()  # DEBUG=True keeps every query otherwise; memory must not grow with traffic

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(timeout=10)
            self._producer.close(timeout=10)
            self._producer = None
        if self._consumer is not None:
            if not self._consumer.assignment():
                # Still joining: leave no LeaveGroup behind. Tansu wedges a group whose member leaves in
                # the middle of a join (docs/adr/0004-tansu-in-tests.md); the session timeout expires it.
                coordinator = getattr(self._consumer, "_coordinator", None)
                if coordinator is not None:
                    coordinator.reset_generation()
            self._consumer.close(autocommit=False)
            self._consumer = None
