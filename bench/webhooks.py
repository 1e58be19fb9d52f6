"""Webhook delivery throughput and the outbox's cost on `annotation_submit`, on PostgreSQL and Redis.

    .venv/bin/python bench/webhooks.py --events 2000 --submits 400

Uses its own database (`--database`, default labeling_bench_hooks, recreated and migrated). Two figures:

1. Events/s delivered to a local receiver (http.server, threads, answering 200 and checking every
   signature with the standardwebhooks library): `--events` events committed through `event_emit`, then the
   dispatcher's real path (`outbox_fan_out` + `deliveries_send_due`: claim with a lease, sign, POST
   concurrently, record) until all are delivered, keeping connections alive in one `DeliveryPool` for the
   run as `webhooks_dispatch` does. Reference in the same run: the same number of signed POSTs sent
   straight to the receiver by the same thread pool with `post` (no outbox, no database, a new connection
   for each request: the figure of the sends before pooling).
2. `annotation_submit` latency with the outbox emit (the `annotation.created` row and the on-commit
   dispatch kick) and without it (the emit replaced by a no-op), alternating in blocks so that load drift
   hits both arms alike. Each call is the whole request's share: the service's transaction and its
   on-commit callbacks (the resolve task goes to Redis; the dispatch kick is a Redis SET NX, and a Celery
   message when no run is queued). Also printed: the emit's own time inside the submit.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database, setup_django  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.bad = 0
        self.peers: set[tuple[str, int]] = set()  # client (address, port): one per TCP connection
        self.lock = threading.Lock()


def start_receiver(secret_box: list[str], counter: Counter) -> ThreadingHTTPServer:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:
                Webhook(secret_box[0]).verify(body, dict(self.headers.items()))
                ok = True
            except WebhookVerificationError:
                ok = False
            with counter.lock:
                counter.count += 1
                counter.bad += 0 if ok else 1
                counter.peers.add(self.client_address[:2])
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bench_delivery(events: int) -> None:
    from datetime import UTC, datetime

    from django.db import transaction
    from django.test.utils import override_settings

    from config.outbox.services import event_emit
    from config.webhooks import conf
    from config.webhooks.http import DeliveryPool, post
    from config.webhooks.models import WebhookDelivery
    from config.webhooks.services.deliveries import deliveries_send_due, outbox_fan_out
    from config.webhooks.services.endpoints import endpoint_create
    from config.webhooks.signing import headers_for

    counter = Counter()
    secret_box: list[str] = []
    server = start_receiver(secret_box, counter)
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    endpoint = endpoint_create(url=url, event_types=["annotation.created"])
    secret_box.append(endpoint.secret)

    with override_settings(OUTBOX={"DISPATCH_ON_COMMIT": False}):
        started = time.perf_counter()
        for start in range(0, events, 100):
            with transaction.atomic():
                for n in range(start, min(events, start + 100)):
                    event_emit("annotation.created", {"annotation_id": n, "value": "cat"}, project_id=1)
        emitted = time.perf_counter() - started

    started = time.perf_counter()
    with DeliveryPool() as pool:
        while counter.count < events:
            outbox_fan_out()
            if deliveries_send_due(pool=pool) == 0 and counter.count < events:
                time.sleep(0.01)
    delivered = time.perf_counter() - started
    assert WebhookDelivery.objects.filter(status="succeeded").count() == events
    assert counter.bad == 0, f"{counter.bad} signatures failed"
    connections = len(counter.peers)

    # Reference: the same signed POSTs straight from the same thread pool, no outbox and no database.
    counter.count = 0
    body = '{"type":"annotation.created","timestamp":"2026-12-01T00:00:00Z","data":{"annotation_id":1}}'
    now = datetime.now(tz=UTC)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conf.send_concurrency()) as pool:
        list(pool.map(lambda n: post(url, body=body, headers=headers_for(msg_id=f"evt_{n}", body=body,
                                                                          keys=[endpoint.secret], now=now)),
                      range(events)))  # fmt: skip
    raw = time.perf_counter() - started
    server.shutdown()
    each = emitted * 1e3 / events
    print(f"events committed through event_emit: {events / emitted:,.0f} events/s ({each:.2f} ms each)")
    print(f"delivered through the outbox (fan-out, lease, sign, POST, record): {events / delivered:,.0f} events/s "
          f"[{conf.send_concurrency()} concurrent sends, {connections} connections]")  # fmt: skip
    print(f"reference, the same signed POSTs with no outbox or database: {events / raw:,.0f} requests/s")


def bench_submit(submits: int, block: int) -> None:
    from django.contrib.auth import get_user_model

    import labeling.services.annotations as annotations
    from labeling.services.annotations import annotation_submit
    from labeling.services.assignment import assignment_lease_next
    from labeling.services.items import items_import
    from labeling.services.projects import membership_add, project_create

    project = project_create(
        name="bench-hooks", label_type="single", categories=["cat", "dog"], overlap=1, pause_fast_share_above=None
    )  # a benchmark answers in microseconds
    items_import(
        project=project,
        records=[{"external_id": f"x{i}", "payload": {"t": i}} for i in range(2 * (submits + block) + 50)],
    )
    rater = get_user_model().objects.create_user("bench-rater", password="pw-123456789")
    membership_add(project=project, user=rater, role="rater")
    real_emit = annotations.annotation_created_emit

    def one() -> float:
        lease = assignment_lease_next(project=project, rater=rater)
        started = time.perf_counter()
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
        return (time.perf_counter() - started) * 1e3

    emit_ms: list[float] = []

    def timed_emit(**kwargs) -> None:  # the emit's own share of the submit's transaction
        started = time.perf_counter()
        real_emit(**kwargs)
        emit_ms.append((time.perf_counter() - started) * 1e3)

    from django.test.utils import override_settings

    kick = override_settings(OUTBOX={"DISPATCH_ON_COMMIT": True})  # as in production (test settings: off)
    kick.enable()
    for _ in range(20):  # warm-up, both arms
        one()
    timings: dict[str, list[float]] = {"with outbox": [], "without": []}
    arms = [("with outbox", timed_emit), ("without", lambda **kwargs: None)]
    while len(timings["without"]) < submits:
        for name, emit in arms:
            annotations.annotation_created_emit = emit
            timings[name].extend(one() for _ in range(block))
    annotations.annotation_created_emit = real_emit
    kick.disable()
    for name, values in timings.items():
        print(f"annotation_submit {name:12s}: p50 {statistics.median(values):.2f} ms, p95 {pct(values, 0.95):.2f} ms,"
              f" p99 {pct(values, 0.99):.2f} ms  (n={len(values)})")  # fmt: skip
    overhead = pct(timings["with outbox"], 0.99) - pct(timings["without"], 0.99)
    median = statistics.median(timings["with outbox"]) - statistics.median(timings["without"])
    print(f"outbox overhead: p99 {overhead:+.2f} ms, p50 {median:+.2f} ms (target: p99 under 2 ms)")
    print(f"the emit itself inside the submit (annotation.created row): p50 {statistics.median(emit_ms):.2f} ms,"
          f" p99 {pct(emit_ms, 0.99):.2f} ms (n={len(emit_ms)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="labeling_bench_hooks")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--submits", type=int, default=400, help="timed submits per arm")
    parser.add_argument("--block", type=int, default=20, help="submits per arm before switching")
    args = parser.parse_args()
    recreate_database(args.database)
    setup_django(args.database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    bench_delivery(args.events)
    bench_submit(args.submits, args.block)
    from config.celery import app

    app.control.purge()  # the kicks and resolve tasks no worker took


if __name__ == "__main__":
    main()
