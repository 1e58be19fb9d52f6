"""Export a version: `manage.py dataset_export NAME --version N --format parquet -o FILE`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from datasets.selectors.versions import dataset_get, version_get
from datasets.services.export import FORMATS, version_export_to_file


class Command(BaseCommand):
    help = "Stream a ready dataset version to a Parquet, CSV or JSONL file."

    def add_arguments(self, parser):
        # The issue asks for `--version N`; Django's own --version (print Django's version) gives way to it.
        parser.conflict_handler = parser._optionals.conflict_handler = "resolve"
        parser.add_argument("name")
        parser.add_argument("--version", dest="number", type=int, help="Version number (default: latest ready)")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="parquet")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, name: str, number: int | None, fmt: str, output: str, **opts):
        try:
            version = version_get(dataset=dataset_get(name=name), number=number)
            with (
                open(output, "wb") as out,
                tqdm(total=version.row_count, desc=f"export v{version.number}", unit="row",
                     disable=opts["verbosity"] == 0) as bar,
            ):  # fmt: skip
                size = version_export_to_file(version=version, fmt=fmt, out=out, on_rows=bar.update)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.extra or ''}".strip())
        self.stdout.write(f"{name} v{version.number}: {version.row_count} rows, {size} bytes -> {output}")
