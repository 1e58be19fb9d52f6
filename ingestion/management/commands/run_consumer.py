"""`python manage.py run_consumer feedback-join`: start a consumer declared in KAFKA_CONSUMERS."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ingestion.registry import consumer_get, consumer_names
from ingestion.runner import ConsumerRunner


class Command(BaseCommand):
    help = "Run a Kafka consumer from the registry (ingestion/conf.py). SIGTERM finishes the batch."
    # System checks import every URLconf and view (pandas, pyarrow...): ~120 MB a consumer does not need.
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help=f"one of: {', '.join(consumer_names())}")
        parser.add_argument("--bootstrap-servers", default=None, help="overrides settings.KAFKA")
        parser.add_argument("--max-records", type=int, default=None, help="exit after this many records")
        parser.add_argument("--idle-exit", type=float, default=None, help="exit after this many idle seconds")
        parser.add_argument("--progress", action="store_true", help="show a tqdm counter of records")

    def handle(self, *args, **options) -> None:
        try:
            spec = consumer_get(options["name"])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc))
        servers = options["bootstrap_servers"]
        bar = None
        if options["progress"]:
            from tqdm import tqdm

            bar = tqdm(unit="rec", desc=spec.name, total=options["max_records"])
        runner = ConsumerRunner(
            spec,
            bootstrap_servers=servers.split(",") if servers else None,
            on_batch=(lambda _result, n: bar.update(n)) if bar is not None else None,
        )
        runner.install_signal_handlers()
        self.stderr.write(f"{spec.name}: group {spec.group}, topics {', '.join(spec.topics)}")
        totals = runner.run(max_records=options["max_records"], idle_exit_s=options["idle_exit"])
        if bar is not None:
            bar.close()
        self.stderr.write(f"{spec.name}: stopped; " + ", ".join(f"{k}={v}" for k, v in sorted(totals.items())))
