"""Replay an overlap policy on labels collected with a fixed, larger overlap (pure: data in, results out).

Each item's labels are revealed in arrival order, one rater at a time, only when the policy asks for
one more; the policy sees nothing else (not the gold, not the labels still hidden). Reliabilities are
refitted with the project's method on the labels revealed so far (after every pass over the open
items, or every `refit_every` revealed labels), and every stop-or-continue call is `overlap_decide`,
the function the live submit path runs. Gold is used only by `score`, at the end.

A model rater's predictions (`machine`, item -> label) vote as rater `MACHINE` on every item with a
revealed label, in the refits as in the decisions, exactly as the live path gathers them; whether a vote
counts is `overlap_decide`'s rule, the live one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from labeling.aggregation import aggregators
from labeling.aggregation.frame import MACHINE_RATER_ID, AnnotationFrame
from labeling.aggregation.overlap import (
    DAWID_SKENE,
    MAJORITY,
    WEIGHTED,
    OverlapDecision,
    OverlapPolicy,
    RaterModel,
    machine_vote_counts,
    overlap_decide,
    rater_model_from_fit,
)

EXHAUSTED = "labels_exhausted"
MACHINE = MACHINE_RATER_ID  # the model rater's id in the replay's frames, as in the project's (people's codes are >= 0)


@dataclass(frozen=True)
class ModelSettings:
    """The live path's settings (labeling/conf.py), passed in so the replay uses the same numbers."""

    prior_accuracy: float = 0.7
    prior_weight: float = 10.0
    max_reliability: float = 0.99


@dataclass
class ReplayResult:
    labels_used: int
    items: int
    items_finished: int
    reasons: dict[str, int]
    raters_used: dict[Hashable, int]  # item -> labels revealed
    decisions: dict[Hashable, OverlapDecision]
    final_label: dict[Hashable, str]  # the project's method refitted on every revealed label
    refits: int
    extra: dict = field(default_factory=dict)

    @property
    def labels_per_item(self) -> float:
        return self.labels_used / self.items if self.items else 0.0


def _frame(items: np.ndarray, raters: np.ndarray, codes: np.ndarray, labels: list[str]) -> AnnotationFrame:
    return AnnotationFrame(
        item=items,
        rater=raters,
        version=np.zeros(len(items), dtype=np.int64),
        code=codes,
        domain=list(labels),
        numeric=None,
        label_type="single",
    )


def fit(frame: AnnotationFrame, method: str) -> aggregators.Aggregate:
    """The project's method fitted on the frame, with per-rater reliabilities for every method."""
    if method == DAWID_SKENE:
        return aggregators.dawid_skene(frame)
    if method == WEIGHTED:
        return aggregators.wawa(frame)
    agg = aggregators.majority_vote(frame)
    agg.reliability = aggregators.agreement_with(frame, agg.items, agg.label_code)
    return agg


def model_from_revealed(
    revealed: pd.DataFrame,
    *,
    method: str,
    labels: list[str],
    settings: ModelSettings,
    machine: dict[int, int] | None = None,
) -> RaterModel:
    """Refit on the revealed labels (columns item, rater, code as integers) and wrap it for the decision.

    `machine` (item -> label code) adds the model's vote, as rater `MACHINE`, on each item with two revealed
    labels or more: like one label, one person and the model alone say nothing about which is right (with
    Dawid-Skene, a first pass of such pairs rates even a random model above the people).
    """
    if machine and not revealed.empty:
        people = revealed["item"].value_counts()
        items = [i for i in people[people >= 2].index.tolist() if i in machine]
        votes = pd.DataFrame({"item": items, "rater": MACHINE, "code": [machine[i] for i in items]})
        revealed = pd.concat([revealed, votes], ignore_index=True) if items else revealed
    if revealed.empty:
        return RaterModel(
            method=method,
            labels=labels,
            prior_accuracy=settings.prior_accuracy,
            prior_weight=settings.prior_weight,
            max_reliability=settings.max_reliability,
        )
    # An item with one label says nothing about anyone's accuracy (its rater agrees with themself).
    sizes = revealed.groupby("item")["item"].transform("size")
    revealed = revealed[sizes >= 2]
    if revealed.empty:
        return model_from_revealed(revealed, method=method, labels=labels, settings=settings)
    frame = _frame(
        revealed["item"].to_numpy(np.int64),
        revealed["rater"].to_numpy(np.int64),
        revealed["code"].to_numpy(np.int64),
        labels,
    )
    agg = fit(frame, method)
    counts = revealed["rater"].value_counts().to_dict()
    return rater_model_from_fit(
        agg,
        labels=labels,
        counts=counts,
        prior_accuracy=None,
        prior_weight=settings.prior_weight,
        max_reliability=settings.max_reliability,
        default_accuracy=settings.prior_accuracy,
    )


def replay(
    annotations: pd.DataFrame,
    *,
    method: str,
    policy: OverlapPolicy,
    labels: list[str] | None = None,
    settings: ModelSettings | None = None,
    refit_every: int | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    machine: Mapping[Hashable, str] | None = None,
    stored: RaterModel | None = None,
) -> ReplayResult:
    """Run the policy on `annotations` (columns item, rater, value; rows in arrival order).

    `machine` is the model rater's label per item (docs/adr/0015). `stored` decides with fixed
    reliabilities, keyed by the file's rater ids and `MACHINE` (the live path between two refits),
    instead of refitting on the revealed labels.
    """
    settings = settings or ModelSettings()
    method = method if method in (MAJORITY, WEIGHTED, DAWID_SKENE) else MAJORITY
    values = annotations["value"].astype(str)
    labels = list(labels) if labels is not None else sorted(values.unique())
    code_of = {label: i for i, label in enumerate(labels)}
    item_codes, item_keys = pd.factorize(annotations["item"])
    rater_codes, rater_keys = pd.factorize(annotations["rater"])
    label_codes = values.map(code_of).to_numpy()
    queues: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(item_keys))}
    for item, rater, code in zip(item_codes, rater_codes, label_codes, strict=True):
        if not np.isnan(code) and all(r != rater for r, _ in queues[item]):  # one label per rater per item
            queues[item].append((int(rater), int(code)))
    machine_codes: dict[int, int] = {}
    if machine:
        item_code = {key: i for i, key in enumerate(item_keys)}
        machine_codes = {
            item_code[k]: code_of[str(v)] for k, v in machine.items() if k in item_code and str(v) in code_of
        }
    fixed = None if stored is None else _by_code(stored, list(rater_keys))

    shown = dict.fromkeys(queues, 0)
    revealed: list[tuple[int, int, int]] = []
    decisions: dict[int, OverlapDecision] = {}
    stopped: dict[int, str] = {}
    rng = np.random.default_rng(seed)
    refits = 0

    def refit() -> RaterModel:
        nonlocal refits
        if fixed is not None:
            return fixed
        refits += 1
        frame = pd.DataFrame(revealed, columns=["item", "rater", "code"])
        return model_from_revealed(frame, method=method, labels=labels, settings=settings, machine=machine_codes)

    def decide(item: int, model: RaterModel) -> None:
        votes = [(r, labels[c]) for r, c in queues[item][: shown[item]]]
        machine_votes = [(MACHINE, labels[machine_codes[item]])] if item in machine_codes else []
        decision = overlap_decide(votes=votes, model=model, policy=policy, machine_votes=machine_votes)
        decisions[item] = decision
        if decision.done:
            stopped[item] = decision.reason
        elif shown[item] >= len(queues[item]):
            stopped[item] = EXHAUSTED

    def reveal(item: int, upto: int) -> int:
        before = shown[item]
        shown[item] = min(upto, len(queues[item]))
        for rater, code in queues[item][before : shown[item]]:
            revealed.append((item, rater, code))
        return shown[item] - before

    active = [i for i in queues if queues[i]]
    first = True
    while active:
        order = list(active) if refit_every is None else list(rng.permutation(active))
        added = 0
        for item in order:  # a pass: each open item gets the labels the last decision asked for
            added += reveal(item, policy.min_raters if first else shown[item] + 1)
        if progress is not None:
            progress(added)
        if refit_every is None:
            model = refit()
            for item in order:
                decide(item, model)
        else:  # online: decide in arrival order, refitting every `refit_every` revealed labels
            model, since = refit(), 0
            for item in order:
                decide(item, model)
                since += 1
                if since >= refit_every:
                    model, since = refit(), 0
        first = False
        active = [i for i in active if i not in stopped]

    final = pd.DataFrame(revealed, columns=["item", "rater", "code"])
    last = fixed or model_from_revealed(final, method=method, labels=labels, settings=settings, machine=machine_codes)
    if machine_codes and not final.empty and machine_vote_counts(MACHINE, last):
        # The resolution counts the model's vote where the decisions would (the live resolution's rule too).
        items = [i for i in final["item"].unique().tolist() if i in machine_codes]
        extra = pd.DataFrame({"item": items, "rater": MACHINE, "code": [machine_codes[i] for i in items]})
        final = pd.concat([final, extra], ignore_index=True)
    final_label: dict[Hashable, str] = {}
    if not final.empty:
        agg = fit(_frame(final["item"].to_numpy(), final["rater"].to_numpy(), final["code"].to_numpy(), labels), method)
        final_label = {item_keys[i]: labels[c] for i, c in zip(agg.items, agg.label_code, strict=True)}
    reasons: dict[str, int] = {}
    for reason in stopped.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    return ReplayResult(
        labels_used=len(revealed),
        items=len(queues),
        items_finished=sum(1 for r in stopped.values() if r != EXHAUSTED),
        reasons=reasons,
        raters_used={item_keys[i]: n for i, n in shown.items()},
        decisions={item_keys[i]: d for i, d in decisions.items()},
        final_label=final_label,
        refits=refits,
        extra={"rater_keys": list(rater_keys)},
    )


def _by_code(model: RaterModel, rater_keys: list[Hashable]) -> RaterModel:
    """The stored model re-keyed from the file's rater ids to the replay's rater codes (`MACHINE` kept)."""
    code = {key: i for i, key in enumerate(rater_keys)}
    raters = {code[k]: e for k, e in model.raters.items() if k in code}
    if MACHINE in model.raters:
        raters[MACHINE] = model.raters[MACHINE]
    return replace(model, raters=raters)


def score(result: ReplayResult, gold: dict[Hashable, str]) -> dict[str, float | int | None]:
    """Accuracy of the final labels against gold, on the items that have both."""
    scored = [item for item in result.final_label if item in gold]
    if not scored:
        return {"accuracy": None, "scored_items": 0}
    correct = sum(result.final_label[item] == gold[item] for item in scored)
    return {"accuracy": round(correct / len(scored), 6), "scored_items": len(scored)}
