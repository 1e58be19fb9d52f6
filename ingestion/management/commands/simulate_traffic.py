"""`python manage.py simulate_traffic`: realistic requests and delayed, partly out-of-order, partly
duplicated feedback, produced to the configured topics (for the demo and the benchmarks)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from tqdm import tqdm

from ingestion.producers import producer_make, topics_ensure
from ingestion.simulator import TrafficConfig, traffic_generate


class Command(BaseCommand):
    help = "Produce simulated inference requests and feedback to the Kafka topics."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=10000, help="number of requests")
        parser.add_argument("--rate", type=float, default=0, help="messages per second (0 = as fast as possible)")
        parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--model", default="ranker")
        parser.add_argument("--duplicates", type=float, default=0.05, help="share of messages sent twice")
        parser.add_argument("--out-of-order", type=float, default=0.10, help="share of feedback before its request")
        parser.add_argument("--malformed", type=float, default=0.0, help="share of requests followed by junk")
        parser.add_argument("--feedback-delay-s", type=float, default=30.0, help="mean delay of feedback (simulated s)")
        parser.add_argument("--delay-distribution", choices=["exponential", "lognormal"], default="exponential")
        parser.add_argument("--delay-sigma", type=float, default=1.0, help="shape of the lognormal delay")
        parser.add_argument("--partitions", type=int, default=4, help="partitions for topics created here")
        parser.add_argument("--bootstrap-servers", default=None)
        parser.add_argument(
            "--create-rule",
            action="store_true",
            help="create a label rule for --model if it has none (click 1, purchase 5, dismiss 0; 10 min + 1 min)",
        )

    def handle(self, *args, **options) -> None:
        servers = options["bootstrap_servers"].split(",") if options["bootstrap_servers"] else None
        if options["create_rule"]:
            self._ensure_rule(options["model"])
        topics_ensure(bootstrap_servers=servers, partitions=options["partitions"])
        rate = options["rate"]
        messages, summary = traffic_generate(
            TrafficConfig(
                requests=options["count"],
                seed=options["seed"],
                model=options["model"],
                duplicate_rate=options["duplicates"],
                out_of_order_rate=options["out_of_order"],
                malformed_rate=options["malformed"],
                seconds_per_request=(2.0 / rate) if rate else 0.01,
                feedback_delay_s=options["feedback_delay_s"],
                delay_distribution=options["delay_distribution"],
                delay_sigma=options["delay_sigma"],
            )
        )
        producer = producer_make(bootstrap_servers=servers)
        started = time.monotonic()
        sent = 0
        with tqdm(total=len(messages), unit="msg", desc="produce") as bar:
            for topic, key, value in messages:
                if options["duration"] is not None and time.monotonic() - started > options["duration"]:
                    break
                if rate:
                    ahead = sent / rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                producer.send(topic, key=key, value=value)
                sent += 1
                if sent % 500 == 0:
                    bar.update(500)
            producer.flush(timeout=60)
            bar.update(sent % 500)
        producer.close()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"sent {sent} messages in {elapsed:.1f}s ({sent / max(elapsed, 1e-9):,.0f}/s): "
            f"{summary.requests} requests, {summary.feedback} feedback events, {summary.duplicates} duplicates, "
            f"{summary.out_of_order} out of order, {summary.malformed} malformed (whole stream)"
        )

    def _ensure_rule(self, model: str) -> None:
        from feedback.models import LabelRule
        from feedback.services.rules import label_rule_create

        if LabelRule.objects.filter(model=model, is_active=True).exists():
            return
        rule = label_rule_create(
            model=model,
            window=timedelta(minutes=10),
            grace=timedelta(minutes=1),
            positive_events={"click": 1.0, "purchase": 5.0},
            negative_events=["dismiss"],
            late_policy="correct",
            orphan_ttl=timedelta(hours=1),
        )
        self.stdout.write(f"created label rule {rule}")
