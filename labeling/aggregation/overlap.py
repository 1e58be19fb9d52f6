"""Adaptive overlap: after each label, is the item done or does it need one more rater?

The one decision rule, pure (no Django): the live submit path (`labeling.services.overlap`) and the
replay (`manage.py overlap_replay`, `bench/adaptive_overlap.py`) both call `overlap_decide`, so a policy
measured on replayed data is the policy that runs.

The posterior follows the project's aggregation method (docs/adr/0014-adaptive-overlap.md):
- Dawid-Skene: class priors and each rater's confusion matrix from the latest fit;
- weighted: each rater's accuracy (a one-coin model), uniform prior;
- majority: one pooled accuracy for every rater, uniform prior.
A rater's fitted figures are shrunk toward the pooled prior by `prior_weight` pseudo-labels, so a rater
seen on a handful of items cannot swing a posterior, and every single vote's likelihood ratio is capped
by `max_reliability`, so no one rater (or a pair of fresh accounts) closes an item on their own say.

A model counted as a rater (docs/adr/0015) enters as `machine_votes`: its vote joins the posterior only
when the fit measured it (it is in `model.raters`) at no less than the accuracy an unfitted person gets
(`prior_accuracy`), and only beside a person's vote; it never counts toward `raters_used`, so the
minimum and the maximum stay numbers of people.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from labeling.aggregation.aggregators import Aggregate

MAJORITY, WEIGHTED, DAWID_SKENE = "majority", "weighted", "dawid_skene"

DONE, MORE = "done", "more"
TARGET_REACHED, MAX_REACHED, BELOW_MIN, BELOW_TARGET, FIXED = (
    "target_reached",
    "max_reached",
    "below_min",
    "below_target",
    "fixed_overlap",
)


@dataclass(frozen=True)
class OverlapPolicy:
    """`target` None is fixed overlap: exactly `max_raters` labels (min_raters == max_raters)."""

    min_raters: int
    max_raters: int
    target: float | None = None

    @classmethod
    def fixed(cls, overlap: int) -> OverlapPolicy:
        return cls(min_raters=overlap, max_raters=overlap, target=None)


@dataclass(frozen=True)
class RaterEvidence:
    """What the latest fit says about one rater: accuracy, optional confusion [true, observed], labels seen."""

    accuracy: float
    confusion: np.ndarray | None = None
    count: int = 0


@dataclass
class RaterModel:
    """The reliabilities available now, for the raters of the items being decided.

    `prior_accuracy` is what a rater without a fit gets, and the point every fitted figure is shrunk
    toward; `priors` are the class priors (Dawid-Skene only; uniform otherwise).
    """

    method: str
    labels: list[str]
    raters: dict[Hashable, RaterEvidence] = field(default_factory=dict)
    priors: np.ndarray | None = None
    prior_accuracy: float = 0.7
    prior_weight: float = 10.0
    max_reliability: float = 0.99

    def _one_coin(self, accuracy: float) -> np.ndarray:
        v = len(self.labels)
        floor = 1.0 / v
        a = float(np.clip(accuracy, floor, self.max_reliability))
        matrix = np.full((v, v), (1.0 - a) / max(v - 1, 1))
        np.fill_diagonal(matrix, a)
        return matrix

    def _shrunk_accuracy(self, evidence: RaterEvidence | None) -> float:
        if evidence is None:
            return self.prior_accuracy
        n, k = float(evidence.count), self.prior_weight
        return (n * evidence.accuracy + k * self.prior_accuracy) / (n + k) if n + k > 0 else self.prior_accuracy

    def matrix(self, rater: Hashable) -> np.ndarray:
        """P(observed | true) for this rater under the method, shrunk and capped."""
        if self.method == MAJORITY:
            return self._one_coin(self.prior_accuracy)
        evidence = self.raters.get(rater)
        if self.method == DAWID_SKENE and evidence is not None and evidence.confusion is not None:
            v = len(self.labels)
            prior = self._one_coin(self.prior_accuracy)
            seen = float(evidence.count) * self.class_priors()  # labels seen per true class, expected
            weight = seen[:, None]
            mixed = (weight * evidence.confusion + self.prior_weight * prior / v) / (weight + self.prior_weight / v)
            floor = (1.0 - self.max_reliability) / max(v - 1, 1)
            mixed = np.clip(mixed, floor, self.max_reliability)
            return mixed / mixed.sum(axis=1, keepdims=True)
        return self._one_coin(self._shrunk_accuracy(evidence))

    def class_priors(self) -> np.ndarray:
        v = len(self.labels)
        if self.method != DAWID_SKENE or self.priors is None or len(self.priors) != v or self.priors.sum() <= 0:
            return np.full(v, 1.0 / v)
        p = np.clip(self.priors, 1e-3, None)
        return p / p.sum()


@dataclass(frozen=True)
class OverlapDecision:
    outcome: str  # DONE or MORE
    reason: str
    label: str | None
    confidence: float
    posterior: dict[str, float]
    raters_used: int  # people only: a machine vote is never one of them
    machine_counted: bool = False  # a model's vote was part of the posterior

    @property
    def done(self) -> bool:
        return self.outcome == DONE


def item_posterior(votes: Sequence[tuple[Hashable, str]], model: RaterModel) -> np.ndarray:
    """P(true label | these votes) over `model.labels`; votes on unknown labels are ignored."""
    index = {label: i for i, label in enumerate(model.labels)}
    log_p = np.log(model.class_priors())
    for rater, label in votes:
        code = index.get(label)
        if code is not None:
            log_p = log_p + np.log(np.clip(model.matrix(rater)[:, code], 1e-12, None))
    log_p -= log_p.max()
    p = np.exp(log_p)
    return p / p.sum()


def distinct_votes(votes: Iterable[tuple[Hashable, str]]) -> list[tuple[Hashable, str]]:
    """One vote per rater (the first), in arrival order: a rater never counts twice on one item."""
    seen: set[Hashable] = set()
    out = []
    for rater, label in votes:
        if rater not in seen:
            seen.add(rater)
            out.append((rater, label))
    return out


def machine_vote_counts(rater: Hashable, model: RaterModel) -> bool:
    """Whether a machine rater's vote may enter the posterior: measured, and at least as reliable as a person.

    An unmeasured model would get the pooled prior like a new account, and a weak one would still tip an
    item near its target: either could then close items that people alone would not. Both are left out.
    """
    evidence = model.raters.get(rater)
    return evidence is not None and evidence.count > 0 and evidence.accuracy >= model.prior_accuracy


def decision_votes(
    votes: Iterable[tuple[Hashable, str]], machine_votes: Iterable[tuple[Hashable, str]], model: RaterModel
) -> tuple[list[tuple[Hashable, str]], list[tuple[Hashable, str]]]:
    """(people's distinct votes, the machine votes that count): the one gathering both callers go through.

    A machine vote counts only beside a person's vote (it never opens an item) and under `machine_vote_counts`.
    """
    people = distinct_votes(votes)
    if not people:
        return people, []
    seen = {rater for rater, _ in people}
    machine = [
        (r, label) for r, label in distinct_votes(machine_votes) if r not in seen and machine_vote_counts(r, model)
    ]
    return people, machine


def overlap_decide(
    *,
    votes: Sequence[tuple[Hashable, str]],
    model: RaterModel,
    policy: OverlapPolicy,
    machine_votes: Sequence[tuple[Hashable, str]] = (),
) -> OverlapDecision:
    """Done or one more rater, from the item's votes so far (arrival order) and the reliabilities now.

    `machine_votes` are a model rater's votes (docs/adr/0015); see `decision_votes` for when they count.
    """
    votes, machine = decision_votes(votes, machine_votes, model)
    used = len(votes)
    if votes and model.labels:
        posterior = item_posterior([*votes, *machine], model)
        code = int(np.argmax(posterior))
        label, confidence = model.labels[code], float(posterior[code])
    else:
        posterior = np.full(len(model.labels), 1.0 / max(len(model.labels), 1))
        label, confidence = None, 0.0
    if policy.target is None:
        outcome, reason = (DONE, FIXED) if used >= policy.max_raters else (MORE, BELOW_MIN)
    elif used < policy.min_raters:
        outcome, reason = MORE, BELOW_MIN
    elif confidence >= policy.target:
        outcome, reason = DONE, TARGET_REACHED
    elif used >= policy.max_raters:
        outcome, reason = DONE, MAX_REACHED
    else:
        outcome, reason = MORE, BELOW_TARGET
    return OverlapDecision(
        outcome=outcome,
        reason=reason,
        label=label,
        confidence=round(confidence, 6),
        posterior={k: round(float(p), 6) for k, p in zip(model.labels, posterior, strict=True)},
        raters_used=used,
        machine_counted=bool(machine),
    )


def rater_model_from_fit(
    agg: Aggregate,
    *,
    labels: list[str],
    counts: Mapping[Hashable, int],
    prior_accuracy: float | None = None,
    prior_weight: float = 10.0,
    max_reliability: float = 0.99,
    default_accuracy: float = 0.7,
) -> RaterModel:
    """A RaterModel from a fresh in-memory fit (the replay's refit); the live path reads the stored fit.

    `prior_accuracy` None pools it: the label-weighted mean of the fitted accuracies (or `default_accuracy`).
    """
    raters = {
        rater: RaterEvidence(
            accuracy=float(accuracy),
            confusion=agg.confusion.get(rater) if agg.confusion else None,
            count=int(counts.get(rater, 0)),
        )
        for rater, accuracy in agg.reliability.items()
    }
    if prior_accuracy is None:
        prior_accuracy = pooled_accuracy(((e.accuracy, e.count) for e in raters.values()), default=default_accuracy)
    return RaterModel(
        method=agg.method if agg.method in (MAJORITY, WEIGHTED, DAWID_SKENE) else MAJORITY,
        labels=labels,
        raters=raters,
        priors=agg.priors,
        prior_accuracy=prior_accuracy,
        prior_weight=prior_weight,
        max_reliability=max_reliability,
    )


def pooled_accuracy(pairs: Iterable[tuple[float, int]], *, default: float) -> float:
    """Label-weighted mean accuracy over (accuracy, labels) pairs; `default` when there are none."""
    total = weight = 0.0
    for accuracy, count in pairs:
        total += float(accuracy) * count
        weight += count
    return total / weight if weight > 0 else default
