"""python manage.py import_items FILE --project NAME [--format csv|jsonl|labelstudio]

Label Studio tasks bring their predictions too (`--model NAME`, and `--model-version V` when the file's
predictions name no version or several), stored in the same transaction as the items: a bad prediction
stores nothing. `--no-predictions` imports the items only.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from labeling.models import Project
from labeling.services.item_formats import FORMATS, format_guess, records_from_file
from labeling.services.items import items_import
from labeling.services.labelstudio_import import labelstudio_tasks_import


class Command(BaseCommand):
    help = "Import items from a CSV, JSONL or Label Studio JSON file, de-duplicated by external id or content."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--project", required=True, help="Project name")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file extension")
        parser.add_argument("--model", help="Label Studio: the model name the tasks' predictions are stored under")
        parser.add_argument(
            "--model-version", help="Label Studio: store this version's predictions (default: the one the file names)"
        )
        parser.add_argument(
            "--no-predictions", action="store_true", help="Label Studio: import the tasks only, not their predictions"
        )

    def handle(self, *args, file: Path, project: str, format: str | None, **options) -> None:
        target = Project.objects.filter(name=project).first()
        if target is None:
            raise CommandError(f"No project named {project!r}.")
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            fmt = format or format_guess(file.name)
            with tqdm(desc="items", unit=" items", disable=options["verbosity"] == 0) as bar:
                if fmt == "labelstudio":
                    tasks = labelstudio_tasks_import(
                        project=target,
                        data=file.read_bytes(),
                        model=options.get("model"),
                        model_version=options.get("model_version"),
                        predictions=not options.get("no_predictions"),
                        progress=bar.update,
                    )
                    result, stored = tasks.items, f" predictions={tasks.predictions}"
                else:
                    with file.open("rb") as stream:
                        records = records_from_file(stream, fmt)
                        result, stored = items_import(project=target, records=records, progress=bar.update), ""
        except ApplicationError as exc:
            for error in exc.extra.get("errors", [])[:20]:
                if "message" in error:
                    field = f" {error['field']}" if error.get("field") else ""
                    self.stderr.write(f"  task {error['index']}{field}: {error['message']}")
            raise CommandError(exc.message)
        self.stdout.write(
            f"created={result.created} duplicates={result.duplicates} errors={result.error_count}{stored}"
        )
        for error in result.errors[:20]:
            self.stderr.write(f"  record {error['index']}: {error['message']}")
        if result.error_count > 20:
            self.stderr.write(f"  ... and {result.error_count - 20} more")
        if result.error_count:
            # The valid records stay imported (re-running skips them as duplicates); the exit code says not all did.
            raise CommandError(
                f"{result.error_count} record(s) rejected; the {result.created} valid new record(s) were imported."
            )
