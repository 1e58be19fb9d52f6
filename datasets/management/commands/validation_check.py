"""Check serving data against the reference: `manage.py validation_check --model M [--since ...] [--json]`.

Exit code 0 when clean and 1 when anomalies were found, so a pipeline step can gate a retrain on it.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_duration

from config.exceptions import ApplicationError
from datasets.services.validation_check import validation_check


def parse_since(text: str):
    """An ISO 8601 time (with offset), or a duration back from now ('2h', '30m', '1d', or '01:00:00')."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units and text[:-1].isdigit():
        return timezone.now() - timedelta(seconds=int(text[:-1]) * units[text[-1]])
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is not None:
        if timezone.is_naive(moment):
            raise CommandError(f"--since {text!r} has no UTC offset; write e.g. 2026-01-01T00:00:00Z")
        return moment
    duration = parse_duration(text)
    if duration is not None and duration > timedelta(0):
        return timezone.now() - duration
    raise CommandError(f"--since {text!r} is neither an ISO 8601 time nor a duration such as 2h")


class Command(BaseCommand):
    help = "Schema skew, distribution skew and drift, label drift of a model's serving data; exit 1 on anomalies."

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True)
        parser.add_argument("--since", help="ISO 8601 time or a duration back from now (default: the lookback)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, model: str, since: str | None, as_json: bool, **opts):
        start = parse_since(since) if since else None
        try:
            result = validation_check(model=model, since=start)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {json.dumps(exc.extra, default=str)}")
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        else:
            self.stdout.write(
                f"{model}: {result.windows} windows since {result.since:%Y-%m-%d %H:%M}, "
                f"{len(result.anomalies)} anomalies ({result.new} new)"
            )
            for a in result.anomalies:
                figures = f"{a.figure:.4f} > {a.threshold} ({a.baseline})"
                self.stdout.write(f"  {a.window_start:%H:%M} {a.kind:<18} {a.feature:<24} {figures}")
        if not result.clean:
            sys.stdout.flush()
            raise SystemExit(1)
