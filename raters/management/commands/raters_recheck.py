"""Re-apply a project's pause rules to every active rater, e.g. after staff tightened the rules."""

from __future__ import annotations

from django.core.management import BaseCommand, CommandError
from tqdm import tqdm

from labeling.models import MembershipStatus, Project, ProjectMembership
from raters.services.quality import quality_recheck_project


class Command(BaseCommand):
    help = "Apply the project's pause rules to all its active raters now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", type=int)

    def handle(self, *args, **opts) -> None:
        project = Project.objects.filter(pk=opts["project"]).first()
        if project is None:
            raise CommandError(f"No project {opts['project']}.")
        total = ProjectMembership.objects.filter(project=project, status=MembershipStatus.ACTIVE).count()
        with tqdm(total=total, desc="raters", unit="rater") as bar:
            paused = quality_recheck_project(project=project, progress=bar.update)
        self.stdout.write(f"Paused {len(paused)} of {total} active raters.")
