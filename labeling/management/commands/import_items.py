"""python manage.py import_items FILE --project NAME [--format csv|jsonl|labelstudio]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from labeling.models import Project
from labeling.services.item_formats import FORMATS, format_guess, records_from_file
from labeling.services.items import items_import


class Command(BaseCommand):
    help = "Import items from a CSV, JSONL or Label Studio JSON file, de-duplicated by external id or content."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--project", required=True, help="Project name")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file extension")

    def handle(self, *args, file: Path, project: str, format: str | None, **options) -> None:
        target = Project.objects.filter(name=project).first()
        if target is None:
            raise CommandError(f"No project named {project!r}.")
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            fmt = format or format_guess(file.name)
            with file.open("rb") as stream, tqdm(desc="items", unit=" items", disable=options["verbosity"] == 0) as bar:
                result = items_import(project=target, records=records_from_file(stream, fmt), progress=bar.update)
        except ApplicationError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"created={result.created} duplicates={result.duplicates} errors={result.error_count}")
        for error in result.errors[:20]:
            self.stderr.write(f"  record {error['index']}: {error['message']}")
        if result.error_count > 20:
            self.stderr.write(f"  ... and {result.error_count - 20} more")
        if result.error_count:
            # The valid records stay imported (re-running skips them as duplicates); the exit code says not all did.
            raise CommandError(
                f"{result.error_count} record(s) rejected; the {result.created} valid new record(s) were imported."
            )
