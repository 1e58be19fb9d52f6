"""Active-learning replay: labels needed to reach a held-out accuracy, uncertainty order against random order.

    .venv/bin/python bench/active_learning.py --seeds 5 --target 0.90

scikit-learn's `load_digits` (1,797 8x8 images, 10 classes) is split into a held-out test set and a
pool. Simulated raters of known accuracy label the items the order picks: each item gets `--raters`
labels from raters right with probability `--accuracy` (a wrong label is uniform over the others),
resolved by majority vote with ties broken at random, as the live majority method does. A
logistic regression is retrained after every batch and scored on the held-out set. Orders:

- random: the reference, every batch drawn uniformly from the pool;
- margin / entropy: the batch of highest uncertainty, from the same functions the live queue uses
  (`labeling.aggregation.uncertainty`);
- margin + control: the live design, a `--control` share of each batch drawn at random (the control
  stream), the rest by margin.

Every order starts from the same random seed set at a given seed, and the same simulated raters
answer the same item identically across orders (their answers are drawn once per seed), so the orders
differ only in which items they ask about. Reports, over the seeds, the items (and annotations)
needed to first reach `--target`, as mean ± sd and min/max, and the accuracy at fixed budgets; draws
docs/benchmarks/active_learning.png. Whatever the result, including no gain, is what it prints.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labeling.aggregation.uncertainty import uncertainty  # noqa: E402

ORDERS = ("random", "margin", "entropy", "margin+control")


def simulated_labels(y: np.ndarray, *, raters: int, accuracy: float, k: int, rng: np.random.Generator) -> np.ndarray:
    """Each item's majority label from `raters` simulated raters of the given accuracy (ties at random)."""
    n = len(y)
    right = rng.random((n, raters)) < accuracy
    wrong = (y[:, None] + rng.integers(1, k, size=(n, raters))) % k
    votes = np.where(right, y[:, None], wrong)
    counts = np.zeros((n, k))
    np.add.at(counts, (np.repeat(np.arange(n), raters), votes.ravel()), 1)
    top = counts.max(axis=1, keepdims=True)
    tied = counts == top
    noise = rng.random((n, k)) * tied
    return noise.argmax(axis=1)


def pick(order: str, proba: np.ndarray, pool: np.ndarray, batch: int, control: float, rng) -> np.ndarray:
    """Indices into `pool` to label next."""
    if order == "random":
        return rng.choice(len(pool), size=min(batch, len(pool)), replace=False)
    method = "entropy" if order == "entropy" else "margin"
    scores = uncertainty(proba, method)
    if order == "margin+control":
        n_random = int(round(batch * control))
        by_score = np.argsort(-scores, kind="stable")[: batch - n_random]
        rest = np.setdiff1d(np.arange(len(pool)), by_score)
        extra = rng.choice(rest, size=min(n_random, len(rest)), replace=False)
        return np.concatenate([by_score, extra])
    return np.argsort(-scores, kind="stable")[:batch]


SUCCESSOR_BUDGETS = (100, 200, 400)


def successor_accuracy(data: dict, labeled: list[int], seed: int) -> float:
    """Held-out accuracy of a different model (a random forest) trained on the items one order chose.

    Lowell et al. (EMNLP 2019) found actively acquired data can serve a successor model worse than
    random data; this checks that on the replay's own selections.
    """
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)
    model.fit(data["x_pool"][labeled], data["noisy"][labeled])
    return float(model.score(data["x_test"], data["y_test"]))


def replay(order: str, seed: int, data: dict, args) -> tuple[list[int], list[float]]:
    """Learning curve of one order at one seed: (items labeled, held-out accuracy) after every batch."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng([seed, ORDERS.index(order)])
    x_pool, noisy, x_test, y_test = data["x_pool"], data["noisy"], data["x_test"], data["y_test"]
    labeled = list(data["initial"])
    pool = np.setdiff1d(np.arange(len(x_pool)), labeled)
    sizes, scores = [], []
    while True:
        model = LogisticRegression(max_iter=2000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x_pool[labeled], noisy[labeled])
        sizes.append(len(labeled))
        scores.append(float(model.score(x_test, y_test)))
        if len(labeled) in SUCCESSOR_BUDGETS:
            data["successor"].setdefault((order, len(labeled)), []).append(successor_accuracy(data, labeled, seed))
        if len(labeled) >= args.budget or not len(pool):
            break
        proba = np.zeros((len(pool), 10))
        proba[:, model.classes_] = model.predict_proba(x_pool[pool])
        chosen = pick(order, proba, pool, args.batch, args.control, rng)
        labeled.extend(pool[chosen].tolist())
        pool = np.delete(pool, chosen)
    return sizes, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--target", type=float, default=0.90)
    parser.add_argument("--raters", type=int, default=3)
    parser.add_argument("--accuracy", type=float, default=0.8)
    parser.add_argument("--initial", type=int, default=20, help="Random seed set labeled first (all orders)")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--budget", type=int, default=600, help="Stop after this many labeled items")
    parser.add_argument("--control", type=float, default=0.2, help="Random share of each batch (margin+control)")
    parser.add_argument("--test-share", type=float, default=0.3)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "benchmarks" / "active_learning.png")
    args = parser.parse_args()

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    started = time.perf_counter()
    curves: dict[str, list[tuple[list[int], list[float]]]] = {o: [] for o in ORDERS}
    label_accuracy = []
    successor: dict[tuple[str, int], list[float]] = {}
    for seed in range(args.seeds):
        x_pool, x_test, y_pool, y_test = train_test_split(
            digits.data / 16.0, digits.target, test_size=args.test_share, random_state=seed, stratify=digits.target
        )
        rng = np.random.default_rng(seed)
        noisy = simulated_labels(y_pool, raters=args.raters, accuracy=args.accuracy, k=10, rng=rng)
        label_accuracy.append(float((noisy == y_pool).mean()))
        data = {
            "x_pool": x_pool,
            "noisy": noisy,
            "x_test": x_test,
            "y_test": y_test,
            "initial": rng.choice(len(x_pool), size=args.initial, replace=False),
            "successor": successor,
        }
        for order in ORDERS:
            curves[order].append(replay(order, seed, data, args))
    elapsed = time.perf_counter() - started
    vote = " with majority vote" if args.raters > 1 else ""

    print(
        f"load_digits: pool {len(x_pool)}, held-out {len(x_test)}; {args.raters} simulated raters at accuracy "
        f"{args.accuracy}{vote} -> resolved-label accuracy {np.mean(label_accuracy):.3f}; "
        f"seed set {args.initial}, batch {args.batch}, budget {args.budget}, {args.seeds} seeds, {elapsed:.1f} s"
    )
    print(f"\nitems (annotations = x{args.raters}) to first reach held-out accuracy {args.target:.2f}:")
    print(f"{'order':<16}{'reached':>9}{'mean':>9}{'sd':>8}{'min':>7}{'max':>7}{'annotations':>13}{'vs random':>11}")
    needed_by: dict[str, list[int]] = {}
    for order in ORDERS:
        needed = []
        for sizes, scores in curves[order]:
            hit = next((s for s, a in zip(sizes, scores, strict=True) if a >= args.target), None)
            needed.append(hit)
        needed_by[order] = needed
        reached = [n for n in needed if n is not None]
        if reached:
            mean, sd = float(np.mean(reached)), float(np.std(reached, ddof=1)) if len(reached) > 1 else 0.0
            ratio = ""
            base = [n for n in needed_by["random"] if n is not None]
            if base and order != "random":
                ratio = f"{mean / np.mean(base):.2f}x"
            print(
                f"{order:<16}{len(reached):>5}/{len(needed):<3}{mean:>9.0f}{sd:>8.0f}{min(reached):>7}{max(reached):>7}"
                f"{mean * args.raters:>13.0f}{ratio:>11}"
            )
        else:
            print(f"{order:<16}{0:>5}/{len(needed):<3}  target not reached within {args.budget} items")
    paired = [
        (r, m) for r, m in zip(needed_by["random"], needed_by["margin"], strict=True) if r is not None and m is not None
    ]
    if paired:
        diff = np.array([r - m for r, m in paired])
        print(
            f"\nmargin saves {diff.mean():.0f} ± {diff.std(ddof=1) if len(diff) > 1 else 0:.0f} items per seed "
            f"against random (paired over {len(diff)} seeds; min {diff.min()}, max {diff.max()})"
        )
    budgets = [b for b in (100, 200, 300, 400, 600) if b <= args.budget]
    print("\nheld-out accuracy at a budget (mean ± sd over seeds):")
    print(f"{'order':<16}" + "".join(f"{b:>16}" for b in budgets))
    for order in ORDERS:
        cells = []
        for budget in budgets:
            values = [scores[sizes.index(budget)] for sizes, scores in curves[order] if budget in sizes]
            cells.append(f"{np.mean(values):.3f} ± {np.std(values, ddof=1) if len(values) > 1 else 0:.3f}")
        print(f"{order:<16}" + "".join(f"{c:>16}" for c in cells))
    print("\nsuccessor model (random forest) trained on each order's items, held-out accuracy (mean ± sd):")
    budgets = [b for b in SUCCESSOR_BUDGETS if b <= args.budget]
    print(f"{'order':<16}" + "".join(f"{b:>16}" for b in budgets))
    for order in ORDERS:
        cells = []
        for budget in budgets:
            values = successor.get((order, budget), [])
            sd = np.std(values, ddof=1) if len(values) > 1 else 0
            cells.append(f"{np.mean(values):.3f} ± {sd:.3f}" if values else "-")
        print(f"{order:<16}" + "".join(f"{c:>16}" for c in cells))
    _plot(curves, args)


def _plot(curves: dict, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for order in ORDERS:
        sizes = curves[order][0][0]
        matrix = np.array([scores[: len(sizes)] for _, scores in curves[order]])
        mean, sd = matrix.mean(axis=0), matrix.std(axis=0)
        ax.plot(sizes, mean, label=order, linestyle="--" if order == "random" else "-")
        ax.fill_between(sizes, mean - sd, mean + sd, alpha=0.15)
    ax.axhline(args.target, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel(f"items labeled ({args.raters} simulated raters each, accuracy {args.accuracy})")
    ax.set_ylabel("held-out accuracy")
    ax.set_title(f"Active learning on load_digits: mean ± sd over {args.seeds} seeds")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(args.plot)
    print(f"\nplot: {args.plot.relative_to(ROOT) if args.plot.is_relative_to(ROOT) else args.plot}")


if __name__ == "__main__":
    main()
