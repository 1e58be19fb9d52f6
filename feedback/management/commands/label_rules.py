"""`python manage.py label_rules list|create|update|deactivate`: the label rules of direct labeling, with the
API's field names and units (durations in whole seconds). Errors are a message and a non-zero exit."""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ApplicationError
from feedback.models import LabelRule
from feedback.services.rules import label_rule_create, label_rule_deactivate, label_rule_update

DURATIONS = {"window_seconds": "window", "grace_seconds": "grace", "orphan_ttl_seconds": "orphan_ttl",
             "maturity_horizon_seconds": "maturity_horizon"}  # fmt: skip


def _events(text: str) -> dict[str, float]:
    """`click=1,purchase=5` or a JSON object."""
    text = text.strip()
    try:
        if text.startswith("{"):
            value = json.loads(text)
            return {str(k): float(v) for k, v in value.items()}
        pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
        return {k.strip(): float(v) for k, v in pairs}
    except (ValueError, AttributeError) as exc:
        raise CommandError(f"--positive-events: expected click=1,purchase=5 or a JSON object ({exc})") from exc


def rule_row(rule: LabelRule) -> dict:
    return {
        "model": rule.model, "version": rule.version, "is_active": rule.is_active,
        "window_seconds": int(rule.window.total_seconds()), "grace_seconds": int(rule.grace.total_seconds()),
        "positive_events": rule.positive_events, "negative_events": rule.negative_events,
        "late_policy": rule.late_policy, "negative_downsampling_rate": rule.negative_downsampling_rate,
        "orphan_ttl_seconds": int(rule.orphan_ttl.total_seconds()),
        "maturity_horizon_seconds": int(rule.maturity_horizon.total_seconds()),
    }  # fmt: skip


class Command(BaseCommand):
    help = "List, create, update (a new version) or deactivate direct-labeling rules."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="every version of every rule (or of --model)")
        listing.add_argument("--model")
        listing.add_argument("--json", action="store_true", help="one JSON object per line")
        for name in ("create", "update"):
            p = sub.add_parser(name, help="create version 1 (or the next)" if name == "create" else "new version")
            p.add_argument("model")
            required = name == "create"
            p.add_argument("--window-seconds", type=int, required=required)
            p.add_argument("--grace-seconds", type=int, default=0 if required else None)
            p.add_argument("--positive-events", required=required, help="click=1,purchase=5")
            p.add_argument("--negative-events", help="comma-separated types that mean 0, e.g. dismiss")
            p.add_argument("--late-policy", choices=["correct", "ignore"], default="correct" if required else None)
            p.add_argument("--negative-downsampling-rate", type=float, default=1.0 if required else None)
            p.add_argument("--orphan-ttl-seconds", type=int, default=86400 if required else None)
            p.add_argument("--maturity-horizon-seconds", type=int, default=86400 if required else None)
        deactivate = sub.add_parser("deactivate", help="stop applying a model's rules to new requests")
        deactivate.add_argument("model")
        deactivate.add_argument("--version", type=int, help="only this version")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _list(self, options) -> None:
        rules = LabelRule.objects.order_by("model", "-version")
        if options["model"]:
            rules = rules.filter(model=options["model"])
        for rule in rules:
            row = rule_row(rule)
            if options["json"]:
                self.stdout.write(json.dumps(row))
            else:
                state = "active" if rule.is_active else "inactive"
                self.stdout.write(
                    f"{rule.model} v{rule.version} [{state}] window={row['window_seconds']}s"
                    f" grace={row['grace_seconds']}s"
                    f" positive={row['positive_events']} negative={row['negative_events']} late={rule.late_policy}"
                    f" downsampling={rule.negative_downsampling_rate} orphan_ttl={row['orphan_ttl_seconds']}s"
                    f" horizon={row['maturity_horizon_seconds']}s"
                )

    def _values(self, options) -> dict:
        values: dict = {}
        for option, field in DURATIONS.items():
            if options.get(option) is not None:
                values[field] = timedelta(seconds=options[option])
        if options.get("positive_events") is not None:
            values["positive_events"] = _events(options["positive_events"])
        if options.get("negative_events") is not None:
            values["negative_events"] = [t.strip() for t in options["negative_events"].split(",") if t.strip()]
        for name in ("late_policy", "negative_downsampling_rate"):
            if options.get(name) is not None:
                values[name] = options[name]
        return values

    def _create(self, options) -> None:
        rule = label_rule_create(model=options["model"], **self._values(options))
        self.stdout.write(self.style.SUCCESS(f"created {rule.model} v{rule.version}"))

    def _update(self, options) -> None:
        rule = label_rule_update(model=options["model"], **self._values(options))
        self.stdout.write(self.style.SUCCESS(f"created {rule.model} v{rule.version} (supersedes the previous one)"))

    def _deactivate(self, options) -> None:
        count = label_rule_deactivate(model=options["model"], version=options["version"])
        self.stdout.write(self.style.SUCCESS(f"deactivated {count} version(s) of {options['model']}"))
