"""Import crowd labels collected elsewhere: `manage.py import_annotations FILE --project NAME`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from labeling.models import AggregationMethod, LabelType
from labeling.services.annotation_import import DUPLICATE_POLICIES, annotations_import, read_table


class Command(BaseCommand):
    help = "Import (item, rater, value) annotations from a CSV (header item,rater,value) or TSV."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--project", required=True, help="Project name")
        parser.add_argument("--gold", help="CSV with header item,value (expert labels, for evaluation)")
        parser.add_argument("--create", action="store_true", help="Create the project if it does not exist")
        parser.add_argument("--label-type", choices=LabelType.values)
        parser.add_argument("--categories", help="Comma-separated categories in order (default: inferred)")
        parser.add_argument("--method", choices=AggregationMethod.values, help="Aggregation method of a new project")
        parser.add_argument("--duplicates", choices=DUPLICATE_POLICIES, default="error")
        parser.add_argument(
            "--columns", help="Source columns for item,rater,value, e.g. orig_id,!amt_worker_ids,response"
        )
        parser.add_argument("--gold-column", help="A column of FILE holding each row's item gold value")
        parser.add_argument("--delimiter", help="Field separator (default: tab for .tsv, else comma)")
        parser.add_argument("--gold-is-qc", action="store_true", help="Also mark gold items as quality-control gold")
        parser.add_argument("--rater-prefix", default="crowd-")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON")

    def handle(self, *args, **opts):
        columns = opts["columns"].split(",") if opts["columns"] else None
        categories = [c.strip() for c in opts["categories"].split(",")] if opts["categories"] else None
        extra = [opts["gold_column"]] if opts["gold_column"] else None
        try:
            rows = read_table(opts["file"], columns=columns, delimiter=opts["delimiter"], extra=extra)
            gold = None
            if opts["gold_column"]:
                gold = rows[["item", opts["gold_column"]]].rename(columns={opts["gold_column"]: "value"})
                rows = rows.drop(columns=[opts["gold_column"]])
            if opts["gold"]:
                gold = read_table(opts["gold"], names=("item", "value"), delimiter=opts["delimiter"])
            bar = tqdm(total=len(rows), desc="import", unit="row", disable=opts["verbosity"] < 1)

            def progress(stage: str, n: int) -> None:
                bar.set_postfix_str(stage)
                if stage == "annotations":
                    bar.update(n)

            summary = annotations_import(
                project_name=opts["project"],
                rows=rows,
                gold=gold,
                create=opts["create"],
                label_type=opts["label_type"],
                categories=categories,
                method=opts["method"],
                duplicates=opts["duplicates"],
                gold_is_qc=opts["gold_is_qc"],
                rater_prefix=opts["rater_prefix"],
                progress=progress,
            )
            bar.close()
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {json.dumps(exc.extra, default=str)[:4000]}")
        data = summary.as_dict()
        if opts["json"]:
            self.stdout.write(json.dumps(data, indent=2, default=str))
        elif opts["verbosity"] >= 1:
            self._report(summary, opts)
        rejected = summary.empty_values + len(summary.gold_unknown_items)
        if rejected:
            # The valid rows stay imported (a re-run counts them as already present); the exit code says not all did.
            raise CommandError(
                f"{summary.empty_values} row(s) with an empty value and gold for {len(summary.gold_unknown_items)} "
                f"unknown item(s) rejected; the {summary.imported} valid annotation(s) were imported."
            )

    def _report(self, summary, opts) -> None:
        self.stdout.write(
            f"project {summary.project} ({summary.label_type}{', created' if summary.created_project else ''}): "
            f"{summary.imported} annotations imported of {summary.rows} rows, {summary.items_created} items and "
            f"{summary.raters_created} raters created, {summary.already_present} already present, "
            f"{summary.empty_values} empty values, gold for {summary.gold_rows} items"
        )
        if summary.duplicate_pairs:
            self.stdout.write(
                f"{summary.duplicate_rows} duplicate rows in {summary.duplicate_pairs} (item, rater) pairs "
                f"(--duplicates {opts['duplicates']}):"
            )
            for dup in summary.duplicates:
                self.stdout.write(f"  item={dup['item']} rater={dup['rater']} values={dup['values']}")
        if summary.gold_unknown_items:
            self.stdout.write(f"gold for unknown items (ignored): {summary.gold_unknown_items}")
