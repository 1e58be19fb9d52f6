"""Create the demo users and project the quick start logs into. Safe to run more than once."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction

from labeling.models import Project

DEMO_PROJECT = "Demo: review sentiment"
CRAWL_PROJECT = "RTE (Snow et al. 2008)"
SENTENCES = [
    ("The battery lasts all day and charges fast.", "positive"),
    ("Arrived broken and support never answered.", "negative"),
    ("It is a phone case. It fits the phone.", "neutral"),
    ("Best purchase I made this year!", "positive"),
    ("The screen scratches if you look at it.", "negative"),
    ("Delivery took four days, as promised.", "neutral"),
    ("I would buy it again without thinking twice.", "positive"),
    ("Stopped working after a week.", "negative"),
    ("The colour is grey.", "neutral"),
    ("Comfortable, quiet and well made.", "positive"),
    ("Smells of chemicals and the zip broke.", "negative"),
    ("Comes with a manual in three languages.", "neutral"),
]
USERS = [
    ("admin", "admin-demo-pass", True),
    ("rater", "rater-demo-pass", False),
    ("rater2", "rater-demo-pass", False),
    ("rater3", "rater-demo-pass", False),
]


class Command(BaseCommand):
    help = "Create demo users (admin, rater, rater2, rater3) and a demo project with instructions and items."

    def handle(self, *args, **options) -> None:
        if not settings.SEED_DEMO_ALLOWED:
            raise CommandError(
                "seed_demo creates accounts with published passwords and refuses to run under these settings "
                f"({settings.SETTINGS_MODULE}). Use config.settings.local for a demo."
            )
        from labeling.services.instructions import instructions_publish
        from labeling.services.items import items_import
        from labeling.services.projects import membership_add, project_create

        user_model = get_user_model()
        users = {}
        for username, password, staff in USERS:
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"is_staff": staff, "is_superuser": staff}
            )
            if created:
                user.set_password(password)
                user.save()
            users[username] = user

        with transaction.atomic():
            project = Project.objects.filter(name=DEMO_PROJECT).first()
            if project is None:
                project = project_create(
                    name=DEMO_PROJECT,
                    label_type="single",
                    categories=["positive", "negative", "neutral"],
                    created_by=users["admin"],
                    description="Is the review positive, negative or neutral?",
                    overlap=3,
                    gold_ratio=0.1,
                    pay_per_annotation_cents=5,
                )
                instructions_publish(
                    project=project,
                    created_by=users["admin"],
                    body=(
                        "# Review sentiment\n\nRead the review and pick the overall feeling.\n\n"
                        "- **positive**: the writer is pleased.\n- **negative**: the writer is unhappy.\n"
                        "- **neutral**: facts only, no feeling either way.\n"
                    ),
                )
                records = [
                    {"external_id": f"review-{n:03d}", "payload": {"text": text}}
                    for n, (text, _) in enumerate(SENTENCES * 5)
                ]
                records[0]["external_id"] = "review-000"
                records += [
                    {
                        "external_id": f"gold-{n:02d}",
                        "payload": {"text": text},
                        "is_gold": True,
                        "gold_value": label,
                        "gold_explanation": "Worked example from the instructions.",
                    }
                    for n, (text, label) in enumerate(SENTENCES)
                ]
                items_import(project=project, records=records)
            for username in ("rater", "rater2", "rater3"):
                membership_add(project=project, user=users[username], role="rater")

        rte = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "snow2008" / "rte.standardized.tsv"
        if rte.exists() and not Project.objects.filter(name=CRAWL_PROJECT).exists():
            self._import_crowd_data(rte)

        self.stdout.write(self.style.SUCCESS(f"Demo ready: project '{DEMO_PROJECT}', users admin/rater."))

    def _import_crowd_data(self, tsv: Path) -> None:
        """Load real Mechanical Turk labels (when ../shared is beside the checkout) so the dashboard has data."""
        with tempfile.TemporaryDirectory() as tmp:
            labels, gold = Path(tmp) / "labels.csv", Path(tmp) / "gold.csv"
            seen_gold: dict[str, str] = {}
            with tsv.open() as src, labels.open("w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["item", "rater", "value"])
                for row in csv.DictReader(src, delimiter="\t"):
                    writer.writerow([row["orig_id"], row["!amt_worker_ids"], row["response"]])
                    seen_gold[row["orig_id"]] = row["gold"]
            with gold.open("w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["item", "value"])
                writer.writerows(sorted(seen_gold.items()))
            call_command(
                "import_annotations",
                str(labels),
                project=CRAWL_PROJECT,
                gold=str(gold),
                create=True,
                label_type="single",
            )
