"""Refit and resolve a whole project: `manage.py resolve_project NAME [--method dawid_skene]`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from labeling.models import AggregationMethod, Project
from labeling.services.resolution import project_resolve

STAGES = ["load", "aggregate", "prepare", "write", "commit", "alpha"]


class Command(BaseCommand):
    help = "Resolve every ready item of a project with its aggregation method (set-based, append-only)."

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project name")
        parser.add_argument("--method", choices=AggregationMethod.values)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        project = Project.objects.filter(name=opts["project"]).first()
        if project is None:
            raise CommandError(f"No project named {opts['project']!r}")
        bar = tqdm(total=len(STAGES), desc="resolve", disable=opts["verbosity"] < 1)

        def progress(stage: str) -> None:
            bar.set_postfix_str(stage)
            bar.update(1)

        try:
            summary = project_resolve(project=project, method=opts["method"], progress=progress)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {json.dumps(exc.extra, default=str)}")
        finally:
            bar.close()
        if opts["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), indent=2))
        else:
            self.stdout.write(
                f"{project.name}: {summary.method}, {summary.written} written, {summary.unchanged} unchanged, "
                f"{summary.kept_adjudicated} kept (adjudicated), {summary.items_not_ready} not ready, "
                f"{summary.needs_adjudication} to adjudicate; {summary.seconds}"
            )
