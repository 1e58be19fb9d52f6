"""python manage.py import_predictions PROJECT FILE --model NAME --version V [--format csv|jsonl|labelstudio]

CSV: a header `item,value[,score][,p:<label>...]`; `item` is the item's external id, each `p:<label>`
column holds that label's probability (blank cells are left out). JSONL: one
`{"item", "value", "score", "probabilities"}` object per line. Label Studio: tasks with `predictions`.
All or nothing: one bad row stores nothing and the command lists the rows at fault.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from labeling.models import Project
from labeling.services.prediction_formats import FORMATS, format_guess, prediction_rows
from labeling.services.predictions import predictions_import


def project_by_name_or_id(value: str) -> Project:
    project = Project.objects.filter(name=value).first()
    if project is None and value.isdigit():
        project = Project.objects.filter(pk=int(value)).first()
    if project is None:
        raise CommandError(f"No project named {value!r} (or with that id).")
    return project


class Command(BaseCommand):
    help = "Import one model version's predictions (CSV, JSONL or Label Studio JSON); re-importing replaces them."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        # `--version` names the model version here, replacing Django's own --version flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", help="Project name or id")
        parser.add_argument("file", type=Path)
        parser.add_argument("--model", required=True)
        parser.add_argument("--version", required=True, help="Model version")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file extension (.json: Label Studio)")

    def handle(self, *args, project: str, file: Path, model: str, version: str, format: str | None, **options):
        target = project_by_name_or_id(project)
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            fmt = format or format_guess(file.name)
            with (
                file.open("rb") as stream,
                tqdm(desc="predictions", unit=" rows", disable=options["verbosity"] == 0) as bar,
            ):
                rows = prediction_rows(stream, fmt, model_version=version if fmt == "labelstudio" else None)
                created = predictions_import(
                    project=target, model=model, version=version, rows=rows, progress=bar.update
                )
        except ApplicationError as exc:
            for error in exc.extra.get("errors", [])[:20]:
                field = f" {error['field']}" if error["field"] else ""
                self.stderr.write(f"  row {error['index']}{field}: {error['message']}")
            raise CommandError(exc.message)
        self.stdout.write(f"created={created} model={model} version={version}")
