"""Print a project's agreement and accuracy: `manage.py project_report NAME --json`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from labeling.models import Project
from labeling.selectors.agreement import agreement_report, project_report


class Command(BaseCommand):
    help = (
        "Krippendorff's alpha over regular items at each applicable level, the consensus method, its accuracy "
        "against known answers, and raters' accuracy on gold items."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project name")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--bootstrap", type=int, default=1000, help="Bootstrap draws for the alpha interval")
        parser.add_argument("--full", action="store_true", help="Add per rater, pair and instructions-version figures")

    def handle(self, *args, **opts):
        project = Project.objects.filter(name=opts["project"]).first()
        if project is None:
            raise CommandError(f"No project named {opts['project']!r}")
        report = project_report(project=project, bootstrap=opts["bootstrap"])
        if opts["full"]:
            report["agreement"] = agreement_report(project=project, bootstrap=0)
        if opts["json"]:
            self.stdout.write(json.dumps(report, indent=2, default=str))
            return
        self.stdout.write(f"{report['project']} ({report['label_type']}, {report['annotations']} annotations)")
        for level, figures in report.get("alpha", {}).items():
            self.stdout.write(
                f"  alpha {level:<8} {figures['alpha']}  95% CI [{figures['ci_low']}, {figures['ci_high']}]"
            )
        self.stdout.write(f"  consensus method: {report.get('consensus_method') or 'not resolved yet'}")
        for name, entry in report.get("accuracy", {}).items():
            self.stdout.write(f"  consensus accuracy vs known answers ({name}): {entry}")
        gold = report["gold"]
        self.stdout.write(
            f"  gold items: {gold['items']} (not in the figures above), {gold['answers']} answers, "
            f"rater accuracy {gold['answer_accuracy']}"
        )
