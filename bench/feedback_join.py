"""Benchmark of the feedback join (direct labeling) against a real broker (Tansu) and PostgreSQL.

    python bench/feedback_join.py --scale 100000 --windows 1000000

(a) one consumer process end to end (Kafka -> join -> PostgreSQL commit -> offset commit), beside the raw
    kafka-python consume rate of the same stream in the same run; with `--stats both` (the default) it runs
    twice on the same stream, serving statistics (data validation) on, then off, and prints the ratio (the
    second run of a stream is the faster one, so this order understates the ratio);
(b) two consumer processes in one group;
(c) latency from producing a feedback event to its label row committed (p50/p90/p99);
(d) consumer peak RSS while the number of open windows grows to --windows;
(e) restart to first progress: a consumer killed with SIGKILL, restarted, timed from the restart to its
    first committed batch, with a plain member (waits for the dead one's session timeout) and with static
    membership (FEEDBACK_CONSUMER_INSTANCE_ID).
The watermark (per-partition event time and caught-up marks in the batch transaction) is always on; label
maturity is computed at read time, so it costs the consumer nothing.
It starts its own broker on a free port and uses its own database (--database), created and migrated here.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000, help="requests in the throughput stream")
    parser.add_argument("--windows", type=int, default=1_000_000, help="open windows for the RSS figure (0 = skip)")
    parser.add_argument("--latency-events", type=int, default=3000, help="feedback events timed for latency")
    parser.add_argument("--latency-rate", type=float, default=300.0, help="feedback events per second")
    parser.add_argument("--database", default="labeling_feedback_bench")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--restarts", type=int, default=3, help="kill/restart rounds per membership mode (0 = skip)")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip: b,c,d")
    parser.add_argument(
        "--stats", choices=["on", "off", "both"], default="both",
        help="serving statistics in the consumer (both: stage (a) runs with them off, then on)",
    )  # fmt: skip
    parser.add_argument(
        "--python-crc", action="store_true",
        help="stages (a) in this process check record CRCs with kafka-python's pure-Python CRC-32C, as "
        "before the crc32c wheel was a requirement (the reference for what the C CRC buys)",
    )  # fmt: skip
    return parser.parse_args()


def setup_django(database: str) -> str:
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labeling")
    url = base.rsplit("/", 1)[0] + "/" + database
    admin = base.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def reset_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE feedback_directlabel, feedback_feedbackevent, feedback_inferencerequest, "
            "feedback_feedbackcounter, feedback_servingstatistics, ingestion_deadletter, ingestion_consumeroffset"
        )


def ensure_rule() -> None:
    from feedback.models import LabelRule
    from feedback.services.rules import label_rule_create

    if not LabelRule.objects.filter(model="ranker").exists():
        label_rule_create(
            model="ranker", window=timedelta(days=30), grace=timedelta(hours=1),
            positive_events={"click": 1, "purchase": 5}, negative_events=["dismiss"], late_policy="correct",
            orphan_ttl=timedelta(days=1),
        )  # fmt: skip


def topics(prefix: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    return {
        "REQUESTS_TOPIC": f"{prefix}-req-{suffix}",
        "FEEDBACK_TOPIC": f"{prefix}-fb-{suffix}",
        "DEAD_LETTER_TOPIC": f"{prefix}-dlq-{suffix}",
    }


def use_topics(names: dict[str, str], group: str, bootstrap: str) -> None:
    from django.conf import settings

    settings.FEEDBACK = {**settings.FEEDBACK, **names}
    settings.KAFKA = {**settings.KAFKA, "BOOTSTRAP_SERVERS": [bootstrap]}
    settings.KAFKA_CONSUMERS = {
        "feedback-join": {
            **settings.KAFKA_CONSUMERS["feedback-join"],
            "topics": [names["REQUESTS_TOPIC"], names["FEEDBACK_TOPIC"]],
            "group": group,
            "dead_letter_topic": names["DEAD_LETTER_TOPIC"],
        }
    }


def use_stats(on: bool) -> None:
    from django.conf import settings

    settings.FEEDBACK = {**settings.FEEDBACK, "SERVING_STATISTICS": on}


def create_topics(bootstrap: str, names: dict[str, str], partitions: int) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, partitions, 1) for name in names.values()])
    admin.close()


def consumer_env(url: str, bootstrap: str, names: dict[str, str], group: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "FEEDBACK_REQUESTS_TOPIC": names["REQUESTS_TOPIC"],
            "FEEDBACK_EVENTS_TOPIC": names["FEEDBACK_TOPIC"],
            "FEEDBACK_DEAD_LETTER_TOPIC": names["DEAD_LETTER_TOPIC"],
            "FEEDBACK_CONSUMER_GROUP": group,
            "FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        }
    )
    return env


def spawn_consumer(env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_consumer", "feedback-join", *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def committed(group: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT coalesce(sum(committed_offset), 0) FROM ingestion_consumeroffset WHERE "group" = %s', [group]
        )
        return int(cursor.fetchone()[0])


def produce(bootstrap: str, messages) -> tuple[int, float]:
    from ingestion.producers import messages_produce, producer_make

    producer = producer_make(bootstrap_servers=bootstrap)
    started = time.perf_counter()
    sent = messages_produce(producer=producer, messages=messages)
    elapsed = time.perf_counter() - started
    producer.close()
    return sent, elapsed


def raw_consume_rate(bootstrap: str, names: dict[str, str], total: int) -> float:
    """kafka-python alone: poll the same stream, touch each value, no decoding."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        names["REQUESTS_TOPIC"], names["FEEDBACK_TOPIC"], bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4().hex[:6]}", enable_auto_commit=False, auto_offset_reset="earliest",
        max_poll_records=2000, fetch_max_wait_ms=100, session_timeout_ms=6000, heartbeat_interval_ms=1000,
    )  # fmt: skip
    seen, first, size = 0, None, 0
    while seen < total:
        polled = consumer.poll(timeout_ms=500, max_records=2000)
        for messages in polled.values():
            if first is None:
                first = time.perf_counter()
            for message in messages:
                size += len(message.value or b"")
            seen += len(messages)
    elapsed = time.perf_counter() - first
    consumer.close()
    return seen / elapsed


def one_process_rate(total: int) -> tuple[float, dict]:
    """The real ConsumerRunner in this process; timed from the first batch handed out to the last commit."""
    from ingestion.registry import consumer_get
    from ingestion.runner import ConsumerRunner

    marks: list[tuple[float, int]] = []
    first: list[float] = []
    runner = ConsumerRunner(consumer_get("feedback-join"))
    original = runner.process

    def process(records, *args):
        if not first:
            first.append(time.perf_counter())
        return original(records, *args)

    runner.process = process
    runner.on_batch = lambda _result, n: marks.append((time.perf_counter(), n))
    totals = runner.run(max_records=total)
    elapsed = marks[-1][0] - first[0]
    return sum(n for _, n in marks) / elapsed, totals


def group_rate(url: str, bootstrap: str, names: dict[str, str], total: int, processes: int) -> float:
    group = f"bench-group-{uuid.uuid4().hex[:6]}"
    env = consumer_env(url, bootstrap, names, group)
    procs = [spawn_consumer(env) for _ in range(processes)]
    try:
        while committed(group) == 0:
            time.sleep(0.05)
        started = time.perf_counter()
        while committed(group) < total:
            time.sleep(0.05)
        return total / (time.perf_counter() - started)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)


def latency(url: str, bootstrap: str, partitions: int, count: int, rate: float) -> dict[str, float]:
    """Feedback produced at a steady rate; latency = label row's commit-time stamp - produce time."""
    import orjson
    from django.db import connection
    from kafka import KafkaProducer

    names = topics("lat")
    create_topics(bootstrap, names, partitions)
    use_topics(names, "lat", bootstrap)
    group = f"lat-{uuid.uuid4().hex[:6]}"
    proc = spawn_consumer(consumer_env(url, bootstrap, names, group))
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, acks=1)
    now = datetime.now(UTC)
    ids = [f"lat-{uuid.uuid4().hex}" for _ in range(count)]
    try:
        for request_id in ids:
            producer.send(names["REQUESTS_TOPIC"], key=request_id.encode(), value=orjson.dumps({
                "request_id": request_id, "model": "ranker", "model_version": "v1", "served_at": now.isoformat(),
                "features": {"x": 1}, "prediction": 0.5}))  # fmt: skip
        producer.flush()
        while committed(group) < count:
            time.sleep(0.1)
        sent_at: dict[str, float] = {}
        started = time.perf_counter()
        for i, request_id in enumerate(ids):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            event = {"event_id": f"e-{request_id}", "request_id": request_id, "type": "click",
                     "occurred_at": datetime.now(UTC).isoformat()}  # fmt: skip
            sent_at[request_id] = time.time()
            producer.send(names["FEEDBACK_TOPIC"], key=request_id.encode(), value=orjson.dumps(event))
        producer.flush()
        while committed(group) < 2 * count:
            time.sleep(0.1)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT request_id, extract(epoch FROM created_at) FROM feedback_directlabel"
                " WHERE request_id = ANY(%s)",
                [ids],
            )
            rows = cursor.fetchall()
    finally:
        producer.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    lat = sorted((float(done) - sent_at[request_id]) * 1000 for request_id, done in rows)
    assert len(lat) == count, f"{len(lat)} labels for {count} events"
    q = statistics.quantiles(lat, n=100)
    return {"p50_ms": q[49], "p90_ms": q[89], "p99_ms": q[98], "max_ms": lat[-1], "events": count}


def restart_to_progress(url: str, bootstrap: str, partitions: int, rounds: int, static: bool) -> list[float]:
    """Seconds from restarting a SIGKILLed consumer to its first committed batch of new messages."""
    names = topics("rs")
    create_topics(bootstrap, names, partitions)
    group = f"bench-restart-{uuid.uuid4().hex[:6]}"
    env = consumer_env(url, bootstrap, names, group)
    if static:
        env["FEEDBACK_CONSUMER_INSTANCE_ID"] = f"bench-{uuid.uuid4().hex[:6]}"
    sent = 0
    times: list[float] = []
    proc = spawn_consumer(env)
    try:
        for i in range(rounds + 1):
            sent += produce(bootstrap, request_stream(names, 200, prefix=f"r{i}-"))[0]
            started = time.perf_counter()
            while committed(group) < sent:
                time.sleep(0.05)
            if i:  # round 0 is the first start
                times.append(time.perf_counter() - started)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc = spawn_consumer(env)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    return times


def request_stream(names: dict[str, str], count: int, prefix: str = "w"):
    import orjson

    served = datetime.now(UTC).isoformat()
    for i in range(count):
        request_id = f"{prefix}{i:09d}"
        yield names["REQUESTS_TOPIC"], request_id.encode(), orjson.dumps({
            "request_id": request_id, "model": "ranker", "model_version": "v1", "served_at": served,
            "features": {"position": i % 20, "query_len": i % 7, "category": "books"}, "prediction": 0.5,
            "user_id": f"u{i % 5000}"})  # fmt: skip


def rss_with_open_windows(url: str, bootstrap: str, partitions: int, windows: int) -> list[tuple[int, float]]:
    """Peak RSS of the consumer process, sampled while open windows grow to `windows`."""
    import psutil

    names = topics("rss")
    create_topics(bootstrap, names, partitions)
    group = f"rss-{uuid.uuid4().hex[:6]}"
    producer_thread = threading.Thread(target=produce, args=(bootstrap, request_stream(names, windows)))
    producer_thread.start()
    proc = spawn_consumer(consumer_env(url, bootstrap, names, group))
    ps = psutil.Process(proc.pid)
    checkpoints = [windows // 10, windows // 2, windows]
    peaks: list[tuple[int, float]] = []
    peak = 0.0
    try:
        while checkpoints:
            peak = max(peak, ps.memory_info().rss / 2**20)
            done = committed(group)
            if done >= checkpoints[0]:
                peaks.append((checkpoints.pop(0), peak))
                print(f"  {done:,} open windows: consumer peak RSS {peak:.1f} MiB", flush=True)
            time.sleep(0.25)
    finally:
        producer_thread.join()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    return peaks


def main() -> None:
    args = parse_args()
    if args.python_crc:
        sys.modules["crc32c"] = None  # kafka-python's import of the C CRC fails and it falls back
    url = setup_django(args.database)
    from scripts.services import free_port, start_broker

    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    broker = start_broker(port, Path(tempfile.gettempdir()) / f"tansu-bench-{port}.log")
    try:
        reset_tables()
        ensure_rule()
        from ingestion.simulator import TrafficConfig, traffic_generate

        names = topics("tp")
        create_topics(bootstrap, names, args.partitions)
        use_topics(names, f"bench-one-{uuid.uuid4().hex[:6]}", bootstrap)
        messages, summary = traffic_generate(
            TrafficConfig(requests=args.scale, seed=5, duplicate_rate=0.05, out_of_order_rate=0.10)
        )
        sent, produce_s = produce(bootstrap, messages)
        print(f"stream: {sent:,} messages ({summary.requests:,} requests, {summary.feedback:,} feedback, "
              f"{summary.duplicates:,} duplicates, {summary.out_of_order:,} out of order); "
              f"produced in {produce_s:.1f}s", flush=True)  # fmt: skip
        from kafka.record import util as record_util

        raw = raw_consume_rate(bootstrap, names, sent)
        crc = "C" if record_util.crc32c_c is not None else "pure-Python"
        print(f"(a) raw kafka-python consume ({crc} CRC-32C): {raw:,.0f} msg/s", flush=True)
        rates: dict[str, float] = {}
        for mode in ["on", "off"] if args.stats == "both" else [args.stats]:  # on first: the second run is warmer
            use_stats(mode == "on")
            if rates:  # the same stream again, from the start, by a new group into empty tables
                reset_tables()
                use_topics(names, f"bench-one-{uuid.uuid4().hex[:6]}", bootstrap)
            one, totals = one_process_rate(sent)
            rates[mode] = one
            print(f"(a) one consumer process end to end, serving statistics {mode}: {one:,.0f} events/s "
                  f"({one / raw:.0%} of raw); labels {totals.get('labels_written', 0):,}", flush=True)  # fmt: skip
        if len(rates) == 2:
            print(f"(a) serving statistics on keep {rates['on'] / rates['off']:.0%} of the events/s without them "
                  "(target >= 90%)", flush=True)  # fmt: skip
        use_stats(args.stats != "off")
        skip = set(args.skip.split(","))
        if "b" not in skip:
            reset_tables()
            two = group_rate(url, bootstrap, names, sent, processes=2)
            print(f"(b) two processes in one group: {two:,.0f} events/s", flush=True)
        if "c" not in skip:
            reset_tables()
            lat = latency(url, bootstrap, args.partitions, args.latency_events, args.latency_rate)
            print(f"(c) produce -> label committed, {lat['events']} events at {args.latency_rate:.0f}/s: "
                  f"p50 {lat['p50_ms']:.0f} ms, p90 {lat['p90_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms, "
                  f"max {lat['max_ms']:.0f} ms", flush=True)  # fmt: skip
        for static in (False, True) if args.restarts else ():
            reset_tables()
            times = restart_to_progress(url, bootstrap, args.partitions, args.restarts, static)
            print(f"(e) restart after SIGKILL -> first committed batch, "
                  f"{'static membership' if static else 'plain member, 6 s session'}: "
                  + ", ".join(f"{t:.1f} s" for t in times), flush=True)  # fmt: skip
        if args.windows and "d" not in skip:
            reset_tables()
            peaks = rss_with_open_windows(url, bootstrap, args.partitions, args.windows)
            print("(d) consumer peak RSS by open windows: "
                  + ", ".join(f"{n:,}: {mib:.0f} MiB" for n, mib in peaks), flush=True)  # fmt: skip
    finally:
        os.killpg(broker.pid, signal.SIGTERM)
        broker.wait(timeout=10)


if __name__ == "__main__":
    main()
