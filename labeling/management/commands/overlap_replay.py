"""Replay an overlap policy on labels collected with a larger fixed overlap, scored against gold.

`manage.py overlap_replay ANNOTATIONS.csv --gold GOLD.csv --policy adaptive --min 2 --max 10 --target 0.95`

ANNOTATIONS.csv has `item,rater,value` in arrival order; per item the labels are revealed in file order and
only when the policy asks for one more. The stop-or-continue call is the live submit path's own
(`labeling.aggregation.overlap.overlap_decide`), with reliabilities refitted on the revealed labels only;
the gold file is read only to score the result.

`--predictions PREDICTIONS.csv` (item,value) adds a model rater's vote on each item, refitted with the
people and admitted by the live path's own rule (measured, at least as reliable as a person; docs/adr/0014).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.exceptions import ApplicationError
from labeling.aggregation.overlap import OverlapPolicy
from labeling.aggregation.overlap_replay import replay, score
from labeling.services.annotation_import import read_table
from labeling.services.overlap import replay_settings

METHODS = ("majority", "weighted", "dawid_skene")


class Command(BaseCommand):
    help = "Replay fixed or adaptive overlap on item,rater,value labels and score it against gold."

    def add_arguments(self, parser):
        parser.add_argument("annotations", help="CSV/TSV with item, rater, value (arrival order)")
        parser.add_argument("--gold", required=True, help="CSV/TSV with item, value")
        parser.add_argument("--project", help="Take policy, overlap, min, max, target and method from this project")
        parser.add_argument("--policy", choices=("fixed", "adaptive"))
        parser.add_argument("--overlap", type=int, help="Labels per item under --policy fixed (default 3)")
        parser.add_argument("--min", type=int, dest="min_raters", help="default 2")
        parser.add_argument("--max", type=int, dest="max_raters", help="default 10")
        parser.add_argument("--target", type=float, help="default 0.95")
        parser.add_argument("--method", choices=METHODS, help="The aggregation (default dawid_skene)")
        parser.add_argument("--refit-every", type=int, default=None, help="Refit every N labels (default: per pass)")
        parser.add_argument("--seed", type=int, default=0, help="Order of items within a pass with --refit-every")
        parser.add_argument("--columns", help="Header names for item,rater,value in ANNOTATIONS, comma-separated")
        parser.add_argument("--gold-columns", help="Header names for item,value in GOLD, comma-separated")
        parser.add_argument("--predictions", help="CSV/TSV with item, value: a model rater's vote per item")
        parser.add_argument("--delimiter", help="Field delimiter (default: tab for .tsv, else comma)")
        parser.add_argument("--json", action="store_true")

    def _policy(self, opts) -> OverlapPolicy:
        if opts["policy"] == "fixed":
            if opts["overlap"] < 1:
                raise CommandError("--overlap must be at least 1.")
            return OverlapPolicy.fixed(opts["overlap"])
        low, high, target = opts["min_raters"], opts["max_raters"], opts["target"]
        if low < 1:
            raise CommandError("--min must be at least 1.")
        if high < low:
            raise CommandError("--max must be at least --min.")
        if not 0.5 < target < 1:
            raise CommandError("--target must be above 0.5 and below 1.")
        return OverlapPolicy(min_raters=low, max_raters=high, target=target)

    def _defaults(self, opts) -> None:
        """Flags given win; then the project's settings (with --project); then the defaults."""
        defaults = {"policy": "adaptive", "overlap": 3, "min_raters": 2, "max_raters": 10, "target": 0.95}
        defaults["method"] = "dawid_skene"
        if opts["project"]:
            from labeling.models import Project
            from labeling.selectors.rater_model import posterior_method

            project = Project.objects.filter(name=opts["project"]).first()
            if project is None:
                raise CommandError(f"No project named {opts['project']!r}")
            defaults.update(
                policy=project.overlap_policy,
                overlap=project.overlap,
                min_raters=project.overlap_min,
                max_raters=project.overlap_max,
                target=project.overlap_target,
                method=posterior_method(project),
            )
        for key, value in defaults.items():
            if opts[key] is None:
                opts[key] = value

    def handle(self, *args, **opts):
        self._defaults(opts)
        policy = self._policy(opts)
        if opts["refit_every"] is not None and opts["refit_every"] < 1:
            raise CommandError("--refit-every must be at least 1.")
        columns = opts["columns"].split(",") if opts["columns"] else None
        gold_columns = opts["gold_columns"].split(",") if opts["gold_columns"] else None
        try:
            rows = read_table(opts["annotations"], columns=columns, delimiter=opts["delimiter"])
            gold_rows = read_table(
                opts["gold"], columns=gold_columns, names=("item", "value"), delimiter=opts["delimiter"]
            )
            predicted = None
            if opts["predictions"]:
                predicted = read_table(opts["predictions"], names=("item", "value"), delimiter=opts["delimiter"])
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}")
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {json.dumps(exc.extra, default=str)}")
        if rows.empty:
            raise CommandError("The annotations file has no rows.")
        gold = dict(zip(gold_rows["item"], gold_rows["value"], strict=True))
        bar = tqdm(total=len(rows), desc="labels revealed", unit="label", disable=opts["verbosity"] < 1)
        result = replay(
            rows,
            method=opts["method"],
            policy=policy,
            settings=replay_settings(),
            refit_every=opts["refit_every"],
            seed=opts["seed"],
            progress=bar.update,
            machine=None if predicted is None else dict(zip(predicted["item"], predicted["value"], strict=True)),
        )
        bar.close()
        scored = score(result, gold)
        report = {
            "policy": opts["policy"],
            "method": opts["method"],
            "min": policy.min_raters,
            "max": policy.max_raters,
            "target": policy.target,
            "seed": opts["seed"],
            "labels_available": len(rows),
            "labels_used": result.labels_used,
            "labels_per_item": round(result.labels_per_item, 4),
            "items": result.items,
            "items_finished": result.items_finished,
            "stop_reasons": result.reasons,
            "refits": result.refits,
            "machine_counted": sum(d.machine_counted for d in result.decisions.values()),
            **scored,
            "raters_used": {str(k): v for k, v in result.raters_used.items()},
        }
        if opts["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(
            f"{opts['policy']} ({opts['method']}): {result.labels_used} of {len(rows)} labels "
            f"({result.labels_per_item:.2f} per item), {result.items_finished}/{result.items} items finished, "
            f"accuracy {scored['accuracy']} on {scored['scored_items']} gold items; stops {result.reasons}"
        )
