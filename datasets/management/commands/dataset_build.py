"""Build a new version of a dataset: `manage.py dataset_build NAME [--async] [--gold known_answer]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from datasets.models import GoldPolicy
from datasets.selectors.versions import dataset_get
from datasets.services.build import dataset_build, dataset_build_start
from datasets.services.definitions import dataset_gold_policy_set


class Command(BaseCommand):
    help = "Build a new immutable version of a dataset (in this process, or in Celery with --async)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--async", dest="run_async", action="store_true", help="Hand the build to Celery")
        parser.add_argument("--chunk-size", type=int, default=20_000)
        parser.add_argument(
            "--gold",
            choices=GoldPolicy.values,
            help="Set the definition's gold policy first (kept for later builds): leave gold items out, "
            "or export them with their known answer flagged source 'gold'",
        )

    def handle(self, *args, name: str, run_async: bool, chunk_size: int, gold: str | None = None, **opts):
        try:
            dataset = dataset_get(name=name)
            if gold is not None:
                dataset = dataset_gold_policy_set(dataset=dataset, gold=gold)
            if run_async:
                version = dataset_build_start(dataset=dataset)
                self.stdout.write(f"{dataset.name} v{version.number} queued (id {version.pk})")
                return
            with tqdm(desc=f"build {dataset.name}", unit="row", disable=opts["verbosity"] == 0) as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                version = dataset_build(dataset=dataset, chunk_size=chunk_size, on_progress=progress)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.extra or ''}".strip())
        self.stdout.write(
            f"{dataset.name} v{version.number}: {version.row_count} rows, splits {version.split_counts}, "
            f"sources {version.source_counts} (gold: {version.definition['gold']}), sha256 {version.content_hash}"
        )
