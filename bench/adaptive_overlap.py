"""Labels spent against accuracy: fixed overlap 1..10 against adaptive overlap, on Snow et al. (2008).

    .venv/bin/python bench/adaptive_overlap.py [--method dawid_skene] [--targets 0.9 0.95 0.97 0.98 0.99]

Runs the replay behind `manage.py overlap_replay` (labeling.aggregation.overlap_replay, whose every
stop-or-continue call is the live submit path's `overlap_decide`) on the RTE and TEMP files (10 labels per
item, in file order). Fixed k is the first k labels of every item, resolved with the same method; adaptive
runs at each target with --min/--max. Gold only scores. Prints a table per file, whether adaptive reaches
the accuracy of fixed overlap 5 with at most 70% of its labels, and writes the plot
docs/benchmarks/adaptive_overlap.png (fixed as a curve, adaptive targets as points).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / ".." / "shared" / "data" / "snow2008"
FILES = {"RTE": "rte.standardized.tsv", "TEMP": "temp.standardized.tsv"}
PLOT = ROOT / "docs" / "benchmarks" / "adaptive_overlap.png"


def _load(path: Path):
    import pandas as pd

    df = pd.read_csv(path, sep="\t", dtype=str)
    labels = pd.DataFrame({"item": df["orig_id"], "rater": df["!amt_worker_ids"], "value": df["response"]})
    gold = dict(zip(df["orig_id"], df["gold"], strict=False))
    return labels, gold


def _settings():
    """The live posterior's settings (LABELING in Django settings), read without a database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from labeling.services.overlap import replay_settings

    return replay_settings()


def run_file(name: str, *, method: str, targets: list[float], low: int, high: int, settings) -> dict:
    from labeling.aggregation.overlap import OverlapPolicy
    from labeling.aggregation.overlap_replay import replay, score

    labels, gold = _load(DATA / FILES[name])
    fixed = []
    for k in range(1, 11):
        result = replay(labels, method=method, policy=OverlapPolicy.fixed(k), settings=settings)
        fixed.append((k, result.labels_per_item, score(result, gold)["accuracy"]))
    adaptive = []
    for target in targets:
        policy = OverlapPolicy(min_raters=low, max_raters=high, target=target)
        result = replay(labels, method=method, policy=policy, settings=settings)
        adaptive.append((target, result.labels_per_item, score(result, gold)["accuracy"], result.reasons))
    reference = next(acc for k, _, acc in fixed if k == 5)
    passing = [(t, lpi, acc) for t, lpi, acc, _ in adaptive if acc >= reference and lpi <= 0.7 * 5]
    return {"fixed": fixed, "adaptive": adaptive, "reference": reference, "passing": passing}


def plot(results: dict, method: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.5))
    for ax, (name, res) in zip(axes, results.items(), strict=True):
        ax.plot([f[1] for f in res["fixed"]], [f[2] for f in res["fixed"]], "o-", color="#555", label="fixed overlap k")
        for k, lpi, acc in res["fixed"]:
            ax.annotate(str(k), (lpi, acc), textcoords="offset points", xytext=(0, -12), ha="center", fontsize=8)
        ax.scatter(
            [a[1] for a in res["adaptive"]],
            [a[2] for a in res["adaptive"]],
            color="#d62728",
            zorder=3,
            label="adaptive",
        )
        for target, lpi, acc, _ in res["adaptive"]:
            ax.annotate(
                f"{target:g}", (lpi, acc), textcoords="offset points", xytext=(4, 4), fontsize=8, color="#d62728"
            )
        ax.axvline(3.5, color="#1f77b4", linestyle=":", label="70% of fixed 5")
        ax.axhline(res["reference"], color="#1f77b4", linestyle="--", linewidth=0.8, label="accuracy of fixed 5")
        ax.set_title(f"Snow et al. 2008 {name} ({method})")
        ax.set_xlabel("labels per item")
        ax.set_ylabel("accuracy against gold")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="dawid_skene", choices=("majority", "weighted", "dawid_skene"))
    parser.add_argument("--targets", type=float, nargs="+", default=[0.9, 0.95, 0.97, 0.98, 0.99, 0.995])
    parser.add_argument("--min", type=int, default=2, dest="low")
    parser.add_argument("--max", type=int, default=10, dest="high")
    parser.add_argument("--plot", type=Path, default=PLOT)
    args = parser.parse_args()
    settings = _settings()
    results = {}
    verdicts = []
    for name in FILES:
        res = run_file(name, method=args.method, targets=args.targets, low=args.low, high=args.high, settings=settings)
        results[name] = res
        print(f"\n{name} ({args.method}, adaptive min {args.low} max {args.high})")
        print("| policy | labels/item | accuracy | stops |")
        print("|---|---|---|---|")
        for k, lpi, acc in res["fixed"]:
            print(f"| fixed {k} | {lpi:.2f} | {acc:.4f} | |")
        for target, lpi, acc, reasons in res["adaptive"]:
            print(f"| adaptive {target:g} | {lpi:.3f} | {acc:.4f} | {reasons} |")
        ok = bool(res["passing"])
        best = min(res["passing"], key=lambda p: p[1]) if ok else None
        verdict = f"{name}: adaptive reaches fixed-5 accuracy {res['reference']:.4f} with <= 70% of its labels: " + (
            f"YES (target {best[0]:g}: {best[2]:.4f} at {best[1]:.3f} labels/item = {best[1] / 5:.0%})" if ok else "NO"
        )
        verdicts.append((ok, verdict))
    plot(results, args.method, args.plot)
    print()
    for _, verdict in verdicts:
        print(verdict)
    print(f"plot: {args.plot.relative_to(ROOT) if args.plot.is_relative_to(ROOT) else args.plot}")
    return 0 if all(ok for ok, _ in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
