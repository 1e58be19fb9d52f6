"""A model rater's reliability measured against people only, on items at least two people labelled.

In the project refit the model's vote is part of every posterior it is scored against. Where one person
labelled, that posterior is the person's vote pulled toward the model's own, so the model partly agrees
with itself; under adaptive overlap at a minimum of one person it would be trusted more with each refit.
Here the reference is the people's posterior alone (the fit's own parameters, the model's vote left
out), and only items with two or more people's labels count, so the reference is independent of the
model. With fewer than `min_items` such items the model is unmeasured (docs/adr/0015).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labeling.aggregation import methods
from labeling.aggregation.aggregators import Aggregate, majority_vote, weighted_vote
from labeling.aggregation.dawid_skene import unique_inverse
from labeling.aggregation.frame import AnnotationFrame, crowd_only, frame_subset, machine_mask, machine_rater_keys

MIN_PEOPLE = 2


@dataclass(frozen=True)
class MachineMeasure:
    reliability: float
    confusion: np.ndarray | None  # V x V [true, observed], Dawid-Skene only
    items: int  # items it was measured on


def _people_posterior(people: AnnotationFrame, agg: Aggregate) -> tuple[np.ndarray, np.ndarray]:
    """(sorted items, items x V posterior or one-hot label) of the people's votes under the fit's parameters."""
    v = people.n_values
    if agg.method == methods.DAWID_SKENE and agg.priors is not None and agg.confusion:
        items, item_idx = unique_inverse(people.item)
        known = [r for r in agg.confusion if r > 0]
        mean_rel = float(np.mean([agg.reliability[r] for r in known])) if known else 0.7
        one_coin = np.full((v, v), (1 - mean_rel) / max(v - 1, 1))
        np.fill_diagonal(one_coin, mean_rel)
        raters, r_idx = np.unique(people.rater, return_inverse=True)
        tables = np.stack([agg.confusion.get(int(r), one_coin) for r in raters])  # [rater, true, observed]
        log_terms = np.log(np.clip(tables[r_idx, :, people.code], 1e-10, None))  # annotations x true
        log_lik = np.tile(np.log(np.clip(agg.priors, 1e-10, None)), (len(items), 1))
        np.add.at(log_lik, item_idx, log_terms)
        log_lik -= log_lik.max(axis=1, keepdims=True)
        proba = np.exp(log_lik)
        return items, proba / proba.sum(axis=1, keepdims=True)
    if agg.method == methods.WEIGHTED and agg.reliability:
        ref = weighted_vote(people, {r: w for r, w in agg.reliability.items() if r > 0})
    elif agg.method in (methods.MEDIAN, methods.MEAN):
        ref = methods.aggregate(people, agg.method)
    else:
        ref = majority_vote(people)
    onehot = np.zeros((len(ref.items), v))
    hit = ref.label_code >= 0
    onehot[np.flatnonzero(hit), ref.label_code[hit]] = 1.0
    return ref.items, onehot


def machine_measures(frame: AnnotationFrame, agg: Aggregate, *, min_items: int) -> dict[int, MachineMeasure]:
    """Machine rater id -> its measure; a machine with fewer than `min_items` measurable items is left out."""
    machines = machine_rater_keys(frame)
    if not machines:
        return {}
    people_mask = ~machine_mask(frame)
    pairs = np.unique(np.stack([frame.item[people_mask], frame.rater[people_mask]]), axis=1)
    items, counts = np.unique(pairs[0], return_counts=True)  # distinct people per item
    shared = items[counts >= MIN_PEOPLE]
    if len(shared) < min_items:
        return {}
    ref_items, reference = _people_posterior(
        frame_subset(crowd_only(frame), np.isin(frame.item[people_mask], shared)), agg
    )
    out: dict[int, MachineMeasure] = {}
    for rater in machines:
        mine = (frame.rater == rater) & np.isin(frame.item, shared)
        if int(mine.sum()) < min_items:
            continue
        rows = reference[np.searchsorted(ref_items, frame.item[mine])]  # items x V
        codes = frame.code[mine]
        agreement = float(rows[np.arange(len(codes)), codes].mean())
        confusion = None
        if agg.method == methods.DAWID_SKENE and agg.confusion:
            v = frame.n_values
            observed = np.zeros((len(codes), v))
            observed[np.arange(len(codes)), codes] = 1.0
            soft = rows.T @ observed  # [true, observed], expected counts
            totals = soft.sum(axis=1, keepdims=True)
            confusion = np.where(totals > 0, soft / np.where(totals > 0, totals, 1.0), 1.0 / v)
        out[rater] = MachineMeasure(reliability=agreement, confusion=confusion, items=len(codes))
    return out
