"""Build a validation reference: `manage.py validation_reference DATASET --version N` (statistics + schema)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from datasets.selectors.versions import dataset_get, version_get
from datasets.services.validation_reference import validation_reference_build


class Command(BaseCommand):
    help = "Feature statistics and an inferred schema (a new schema version) from a dataset version."

    def add_base_argument(self, parser, *args, **kwargs):
        if "--version" not in args:  # --version is the dataset version here, not Django's
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("dataset")
        parser.add_argument("--version", dest="number", type=int, help="Default: the latest ready version")

    def handle(self, *args, dataset: str, number: int | None, **opts):
        try:
            version = version_get(dataset=dataset_get(name=dataset), number=number)
            with tqdm(total=version.row_count, unit="row", disable=opts.get("verbosity", 1) < 1) as bar:
                schema = validation_reference_build(version=version, on_progress=lambda n: bar.update(n - bar.n))
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {json.dumps(exc.extra, default=str)}")
        self.stdout.write(
            json.dumps(
                {
                    "dataset": dataset,
                    "version": version.number,
                    "schema_version": schema.number,
                    "rows": schema.reference.rows,
                    "features": schema.features,
                },
                indent=2,
            )  # fmt: skip
        )
