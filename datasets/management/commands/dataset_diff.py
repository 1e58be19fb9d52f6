"""Compare two versions: `manage.py dataset_diff NAME --from N --to M` (JSON)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ApplicationError
from datasets.selectors.drift import versions_diff
from datasets.selectors.versions import dataset_get, version_get


class Command(BaseCommand):
    help = "Rows added, removed and relabeled between two versions, their label distributions and drift."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--from", dest="old", type=int, required=True)
        parser.add_argument("--to", dest="new", type=int, help="Default: latest ready version")

    def handle(self, *args, name: str, old: int, new: int | None, **opts):
        try:
            dataset = dataset_get(name=name)
            diff = versions_diff(
                old=version_get(dataset=dataset, number=old), new=version_get(dataset=dataset, number=new)
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.extra or ''}".strip())
        self.stdout.write(json.dumps(diff, indent=2, default=str))
        if diff["warning"]:
            self.stderr.write(f"drift warning: L-infinity {diff['label_distance']:.4f} > {diff['threshold']}")
