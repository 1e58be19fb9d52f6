"""Feed the traffic simulator's stream through the real join services, minute by minute, without a broker.

The simulator (`ingestion.simulator.traffic_generate`, what `simulate_traffic` produces to Kafka) gives
requests and delayed, duplicated, out-of-order and malformed feedback. Each simulated minute's slice is
decoded by the consumer's decoder and joined by `feedback_batch_join` at that minute, windows are closed,
dead letters and consumer offsets recorded, so the per-minute counters span the last half hour. The
last slice is left unread, which shows as consumer lag.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

PARTITIONS = 4
GROUP = "feedback-join"


def seed_traffic(*, requests: int = 900, minutes: int = 30, unread_share: float = 0.08) -> dict:
    # Imported here so collecting the dashboard tests never depends on the direct-labeling part.
    from feedback.services.counters import counters_add
    from feedback.services.join import feedback_batch_join
    from feedback.services.rules import label_rule_create
    from feedback.services.windows import windows_close_due
    from ingestion.dead_letters import dead_letters_record
    from ingestion.handlers.feedback_join import records_decode
    from ingestion.offsets import consumer_offsets_record
    from ingestion.records import Record
    from ingestion.simulator import TrafficConfig, traffic_generate

    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(minutes=minutes)
    label_rule_create(
        model="ranker",
        window=timedelta(minutes=5),
        grace=timedelta(minutes=1),
        positive_events={"click": 1, "purchase": 5},
        negative_events=["dismiss"],
        orphan_ttl=timedelta(minutes=10),
    )
    messages, summary = traffic_generate(
        TrafficConfig(
            requests=requests,
            seed=11,
            start=start,
            seconds_per_request=minutes * 60 / requests,
            feedback_delay_s=90,
            malformed_rate=0.03,
            max_lag=40,
        )
    )
    offsets: dict[tuple[str, int], int] = defaultdict(int)
    records = []
    for topic, key, value in messages:
        partition = zlib.crc32(key or value) % PARTITIONS
        records.append(Record(topic=topic, partition=partition, offset=offsets[(topic, partition)], value=value,
                              key=key))  # fmt: skip
        offsets[(topic, partition)] += 1
    highwater = dict(offsets)
    readable = records[: int(len(records) * (1 - unread_share))]
    per_minute = max(1, len(readable) // minutes)
    for index in range(0, len(readable), per_minute):
        at = start + timedelta(minutes=index // per_minute + 1)
        batch = readable[index : index + per_minute]
        decoded_requests, events, dead = records_decode(batch)
        feedback_batch_join(requests=decoded_requests, events=events, now=at)
        if dead:
            dead_letters_record(consumer=GROUP, dead_letters=dead, now=at)
            counters_add(values={"dead_letters": len(dead)}, now=at)
        positions = {}
        for record in batch:
            where = (record.topic, record.partition)
            positions[where] = (record.offset + 1, highwater[where])
        consumer_offsets_record(group=GROUP, positions=positions, now=at)
        windows_close_due(now=at, watermark=at)  # a consumer that keeps up: its watermark is the clock
    return {"messages": len(messages), "read": len(readable), "malformed": summary.malformed}
