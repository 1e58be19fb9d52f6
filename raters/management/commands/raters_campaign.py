"""Open a recruitment campaign for a project and print its public sign-up link and invite links."""

from __future__ import annotations

from django.core.management import BaseCommand, CommandError

from config.exceptions import ApplicationError
from labeling.models import Project
from raters.services.recruitment import campaign_create, invite_create


class Command(BaseCommand):
    help = "Create a recruitment campaign (public sign-up page) and optional invite links."

    def add_arguments(self, parser) -> None:
        parser.add_argument("title")
        parser.add_argument("--project", type=int, help="Project id the applicants join")
        parser.add_argument("--slug", default="")
        parser.add_argument("--description", default="")
        parser.add_argument("--invite-only", action="store_true")
        parser.add_argument("--requires-approval", action="store_true")
        parser.add_argument("--places", type=int, default=None, help="Applications accepted before it closes")
        parser.add_argument("--rater-type", action="append", default=[], dest="rater_types")
        parser.add_argument("--invites", type=int, default=0, help="How many single-use invite links to make")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, **opts) -> None:
        project = None
        if opts["project"] is not None:
            project = Project.objects.filter(pk=opts["project"]).first()
            if project is None:
                raise CommandError(f"No project {opts['project']}.")
        try:
            campaign = campaign_create(
                title=opts["title"],
                project=project,
                slug=opts["slug"],
                description=opts["description"],
                rater_types=opts["rater_types"],
                invite_only=opts["invite_only"],
                requires_approval=opts["requires_approval"],
                places=opts["places"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message)
        base = opts["base_url"].rstrip("/")
        self.stdout.write(f"Sign-up page: {base}/join/{campaign.slug}/")
        for _ in range(opts["invites"]):
            invite = invite_create(campaign=campaign)
            self.stdout.write(f"Invite: {base}/join/{campaign.slug}/?invite={invite.token}")
