"""`python manage.py relay_outbox`: publish the outbox's stream records (direct labels) to Kafka."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from kafka.errors import KafkaError

from ingestion.outbox_relay import relay_producer, stream_relay_once


class Command(BaseCommand):
    help = "Relay outbox stream records to Kafka in order (acks=all). SIGTERM finishes the batch in hand."
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bootstrap-servers", default=None, help="overrides settings.KAFKA")
        parser.add_argument("--batch", type=int, default=1000)
        parser.add_argument("--idle-sleep", type=float, default=0.5, help="seconds between polls when idle")
        parser.add_argument("--once", action="store_true", help="relay what is there, then exit")

    def handle(self, *args, **options) -> None:
        stop = False

        def _stop(*_: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        servers = options["bootstrap_servers"]
        try:
            producer = relay_producer(bootstrap_servers=servers.split(",") if servers else None)
        except KafkaError as exc:
            raise CommandError(f"Cannot reach Kafka: {exc}") from exc
        total = 0
        try:
            while not stop:
                sent = stream_relay_once(producer=producer, limit=options["batch"])
                total += sent
                if sent == 0:
                    if options["once"]:
                        break
                    time.sleep(options["idle_sleep"])
        finally:
            producer.close(timeout=10)
        self.stderr.write(f"relay_outbox: published {total} records")
