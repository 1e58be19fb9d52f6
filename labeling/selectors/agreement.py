"""Agreement reads: Krippendorff's alpha with a bootstrap interval, per rater, pair and instructions version.

Everything is computed from one AnnotationFrame (one COPY), vectorized, so the report for a
million annotations takes seconds. Results name raters by id and username; the API only shows them
to staff, managers and reviewers, never to raters.

Which items each figure covers (the crowd rule is `labeling.selectors.crowd_items`):
- alpha and its interval, percent agreement, per rater / pair / instructions version, the confusion
  matrix and agreement with consensus: regular items only. They describe the crowd's labels, and
  gold items, answered by the same raters but known in advance, would describe the quality checks.
- `project_report`'s `accuracy`: consensus against known answers that regular items carry for
  evaluation (imported gold values that are not quality checks).
- `project_report`'s `gold`: raters' answers on quality-control gold items against their known
  answers, a rater-accuracy figure; that is what gold is for, and it enters no crowd figure.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.core.cache import cache

from labeling.aggregation import aggregators
from labeling.aggregation import alpha as kalpha
from labeling.aggregation.alpha import alpha_summary, rounded
from labeling.aggregation.frame import AnnotationFrame, machine_rater_keys, value_key
from labeling.models import (
    AggregationMethod,
    InstructionVersion,
    LabelType,
    MachineReliability,
    Project,
    RaterReliability,
)
from labeling.selectors.annotation_frame import NUMERIC_TYPES, annotation_frame
from labeling.selectors.consensus import aggregate, effective_method
from labeling.selectors.crowd_items import crowd_item_q
from labeling.selectors.resolution import adjudication_queue, resolutions_current


def project_levels(*, project: Project, frame: AnnotationFrame) -> list[str]:
    """Levels at or below the project's measurement level that its values support."""
    return kalpha.applicable_levels(
        label_type=project.label_type, measurement_level=project.measurement_level, numeric=frame.numeric
    )


def alpha_cache_key(project_id: int) -> str:
    return f"labeling:alpha:{project_id}"


def alpha_cached(*, project: Project) -> dict[str, Any] | None:
    """The alpha figures of the project's last resolve (`labeling.services.agreement_cache`), or None."""
    return cache.get(alpha_cache_key(project.pk))


def _consensus(*, project: Project, frame: AnnotationFrame) -> tuple[np.ndarray, np.ndarray, str]:
    """Per item (sorted ids) the consensus code (-1 if none) and number: current resolutions, else computed."""
    items = np.unique(frame.item)
    rows = list(resolutions_current(project=project).values_list("item_id", "label", "method"))
    codes = np.full(len(items), -1, dtype=np.int64)
    numbers = np.full(len(items), np.nan)
    if rows:
        position = {value_key(v): i for i, v in enumerate(frame.domain)}
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        at = np.searchsorted(items, ids)
        ok = (at < len(items)) & (items[np.minimum(at, len(items) - 1)] == ids)
        for (_, label, _), pos, good in zip(rows, at, ok, strict=True):
            if not good or label is None:
                continue
            codes[pos] = position.get(value_key(label), -1)
            if isinstance(label, int | float) and not isinstance(label, bool):
                numbers[pos] = float(label)
        methods = sorted({r[2] for r in rows})
        return codes, numbers, ",".join(methods)
    method = effective_method(project=project)
    agg = aggregate(project=project, frame=frame, method=method)
    if agg.label_number is not None:
        return codes, agg.label_number, f"{method} (computed, not stored)"
    numbers = frame.numeric[agg.label_code] if frame.numeric is not None else numbers
    return agg.label_code, numbers, f"{method} (computed, not stored)"


def _usernames(ids: list[int]) -> dict[int, str]:
    return dict(get_user_model().objects.filter(pk__in=ids).values_list("id", "username"))


def _per_rater(project: Project, frame: AnnotationFrame, level: str) -> tuple[list[dict], str]:
    items = np.unique(frame.item)
    codes, numbers, method = _consensus(project=project, frame=frame)
    at = np.searchsorted(items, frame.item)
    raters, r_idx, r_counts = np.unique(frame.rater, return_inverse=True, return_counts=True)
    numeric = frame.values is not None
    if numeric:
        scale = float(frame.numeric.max() - frame.numeric.min()) if len(frame.numeric) else 0.0
        diff = np.abs(frame.values - numbers[at])
        known = np.isfinite(diff)
        hit = (diff <= 0.1 * scale + 1e-12) & known
    else:
        known = codes[at] >= 0
        hit = (codes[at] == frame.code) & known
    agree = np.bincount(r_idx, weights=hit.astype(float), minlength=len(raters))
    judged = np.bincount(r_idx, weights=known.astype(float), minlength=len(raters))
    mad = np.bincount(r_idx, weights=np.where(known, diff, 0.0), minlength=len(raters)) if numeric else None
    groups, loo = kalpha.alpha_leave_one_out(frame.item, frame.code, frame.rater, frame.n_values, frame.numeric, level)
    loo_by = dict(zip(groups.tolist(), loo.tolist(), strict=True))
    names = _usernames([r for r in raters.tolist() if r > 0])
    machines = machine_rater_keys(frame)
    out = []
    for i, rater in enumerate(raters.tolist()):
        row = {
            "rater_id": machines.get(rater, rater),
            "username": machines.get(rater, names.get(rater)),
            "is_machine": rater in machines,
            "annotations": int(r_counts[i]),
            "agreement_with_consensus": rounded(agree[i] / judged[i]) if judged[i] else None,
            "alpha_without_rater": rounded(loo_by.get(rater)),
        }
        if mad is not None:
            row["mean_abs_deviation"] = rounded(mad[i] / judged[i]) if judged[i] else None
        out.append(row)
    return out, method


def _per_version(frame: AnnotationFrame, level: str) -> list[dict]:
    numbers = dict(InstructionVersion.objects.filter(pk__in=set(frame.version.tolist())).values_list("id", "version"))
    out = []
    for version in sorted(set(frame.version.tolist())):
        mask = frame.version == version
        profiles = kalpha.profiles_from(frame.item[mask], frame.code[mask], frame.n_values)
        o = kalpha.coincidences(profiles)
        out.append(
            {
                "instruction_version_id": None if version < 0 else version,
                "version": numbers.get(version),
                "annotations": int(mask.sum()),
                "pairable_units": profiles.units,
                "alpha": rounded(kalpha.alpha_point(profiles, frame.numeric, level)),
                "percent_agreement": rounded(kalpha.percent_agreement(o)),
            }
        )
    return out


def agreement_report(
    *, project: Project, bootstrap: int = 1000, max_pairs: int = 500, include_machine: bool = False
) -> dict[str, Any]:
    """Alpha at every applicable level with a 95% bootstrap interval, and its breakdowns.

    People only, unless `include_machine` adds the project's model rater (then `machine_raters` names it
    and the figures are no longer the crowd's agreement).
    """
    frame = annotation_frame(project=project, machine=include_machine)
    levels = project_levels(project=project, frame=frame)
    level = project.measurement_level if project.measurement_level in levels else levels[-1]
    report: dict[str, Any] = {
        "project_id": project.pk,
        "project": project.name,
        "label_type": project.label_type,
        "measurement_level": level,
        "annotations": len(frame),
        "items": int(len(np.unique(frame.item))),
        "raters": int(len(np.unique(frame.rater))),
        "includes_machine": include_machine,
        "machine_raters": {str(k): v for k, v in machine_rater_keys(frame).items()},
    }
    if len(frame) == 0:
        return {**report, "alpha": {}, "per_rater": [], "per_rater_pair": [], "per_instruction_version": []}
    profiles = kalpha.profiles_from(frame.item, frame.code, frame.n_values)
    report["pairable_units"] = profiles.units
    report["alpha"] = alpha_summary(frame, levels, bootstrap)
    report["alpha_at_level"] = report["alpha"][level]["alpha"]
    report["percent_agreement"] = rounded(kalpha.percent_agreement(kalpha.coincidences(profiles)))
    report["per_rater"], report["consensus_method"] = _per_rater(project, frame, level)
    pairs, total = kalpha.pairwise(
        frame.item, frame.code, frame.rater, frame.n_values, frame.numeric, level, max_pairs=max_pairs
    )
    report["per_rater_pair"] = pairs
    report["rater_pairs_total"] = total
    report["per_instruction_version"] = _per_version(frame, level)
    return report


def confusion_matrix(*, project: Project) -> dict[str, Any]:
    """Counts of rater label (rows) against consensus label (columns), overall and per rater."""
    frame = annotation_frame(project=project)
    if project.label_type in NUMERIC_TYPES:
        return {"applicable": False, "reason": "numeric labels have no confusion matrix"}
    items = np.unique(frame.item)
    codes, _, method = _consensus(project=project, frame=frame)
    consensus = codes[np.searchsorted(items, frame.item)] if len(frame) else np.zeros(0, dtype=np.int64)
    known = consensus >= 0
    v = frame.n_values
    labels = [v_ if isinstance(v_, str) else json.dumps(v_) for v_ in frame.domain]
    overall = np.bincount(frame.code[known] * v + consensus[known], minlength=v * v).reshape(v, v)
    per_rater: dict[int, list[list[int]]] = {}
    raters, r_idx = np.unique(frame.rater[known], return_inverse=True)
    if len(raters):
        flat = np.bincount(
            r_idx * v * v + frame.code[known] * v + consensus[known], minlength=len(raters) * v * v
        ).reshape(len(raters), v, v)
        per_rater = {int(r): flat[i].tolist() for i, r in enumerate(raters)}
    return {
        "applicable": True,
        "consensus_method": method,
        "labels": labels,
        "rows": "rater label",
        "columns": "consensus label",
        "matrix": overall.tolist(),
        "per_rater": per_rater,
    }


def machine_reliability(*, project: Project) -> list[dict[str, Any]]:
    """The model raters' reliabilities from the last refit, each marked as a machine."""
    rows = MachineReliability.objects.filter(project=project).order_by("rater_key")
    return [
        {
            "rater": r.rater_key,
            "is_machine": True,
            "method": r.method,
            "reliability": round(r.reliability, 4),
            "annotations": r.annotation_count,
        }
        for r in rows
    ]


def rater_reliability(*, project: Project) -> dict[int, float]:
    """Stored per-rater reliabilities from the last refit; without one, agreement with the majority vote."""
    stored = dict(RaterReliability.objects.filter(project=project).values_list("rater_id", "reliability"))
    if stored:
        return stored
    frame = annotation_frame(project=project)
    if len(frame) == 0:
        return {}
    agg = aggregators.majority_vote(frame)
    return aggregators.agreement_with(frame, agg.items, agg.label_code)


def _accuracy(predicted: list[Any], gold: list[Any]) -> float | None:
    if not gold:
        return None
    hits = [value_key(p) == value_key(g) for p, g in zip(predicted, gold, strict=True)]
    return round(float(np.mean(hits)), 4)


def _tie_expected_accuracy(frame: AnnotationFrame, agg: aggregators.Aggregate, idx: np.ndarray, truth: list) -> float:
    """Accuracy with each tie broken at random: right with probability 1/k when gold is among k tied labels."""
    position = {value_key(v): i for i, v in enumerate(frame.domain)}
    scores = []
    for i, gold in zip(idx, truth, strict=True):
        top = agg.proba[i].max()
        tied = np.flatnonzero(agg.proba[i] >= top - 1e-9)
        scores.append(float(position.get(value_key(gold), -1) in tied) / len(tied))
    return round(float(np.mean(scores)), 4) if scores else None


def gold_accuracy(*, project: Project) -> dict[str, Any]:
    """Raters' answers on quality-control gold items (those answered) against the known answers, exact match."""
    frame = annotation_frame(project=project, scope="gold")
    items = np.unique(frame.item)
    known = dict(project.items.filter(pk__in=items.tolist()).values_list("id", "gold_value"))
    position = {value_key(v): i for i, v in enumerate(frame.domain)}
    truth = np.array([position.get(value_key(known[int(i)]), -1) for i in items], dtype=np.int64)
    hit = truth[np.searchsorted(items, frame.item)] == frame.code if len(frame) else np.zeros(0, dtype=bool)
    return {
        "items": int(len(items)),
        "answers": len(frame),
        "raters": int(len(np.unique(frame.rater))),
        "answer_accuracy": rounded(float(hit.mean())) if len(frame) else None,
    }


def project_report(*, project: Project, bootstrap: int = 1000) -> dict[str, Any]:
    """Alpha at each applicable level, the consensus method, consensus accuracy, and raters' gold accuracy."""
    frame = annotation_frame(project=project)
    levels = project_levels(project=project, frame=frame)
    report: dict[str, Any] = {
        "project": project.name,
        "project_id": project.pk,
        "label_type": project.label_type,
        "measurement_level": project.measurement_level,
        "aggregation_method": project.aggregation_method,
        "annotations": len(frame),
        "items": int(len(np.unique(frame.item))),
        "raters": int(len(np.unique(frame.rater))),
    }
    report["gold"] = gold_accuracy(project=project)
    if len(frame) == 0:
        return {**report, "alpha": {}, "accuracy": {}}
    report["alpha"] = alpha_summary(frame, levels, bootstrap)
    report["percent_agreement"] = rounded(
        kalpha.percent_agreement(kalpha.coincidences(kalpha.profiles_from(frame.item, frame.code, frame.n_values)))
    )
    current = resolutions_current(project=project)
    report["consensus_method"] = sorted(set(current.values_list("method", flat=True))) or None
    report["adjudication_queue"] = adjudication_queue(project=project).count()
    gold = dict(project.items.filter(crowd_item_q(), gold_value__isnull=False).values_list("id", "gold_value"))
    report["known_answer_items"] = len(gold)
    if not gold:
        report["accuracy"] = {}
        return report
    accuracy: dict[str, Any] = {}
    stored = dict(current.filter(item_id__in=gold.keys()).values_list("item_id", "label"))
    if stored:
        ids = list(stored)
        accuracy["consensus"] = {
            "items": len(ids),
            "accuracy": _accuracy([stored[i] for i in ids], [gold[i] for i in ids]),
        }
    methods = [AggregationMethod.MAJORITY]
    if project.label_type not in NUMERIC_TYPES and project.label_type != LabelType.MULTI:
        methods += [AggregationMethod.WEIGHTED, AggregationMethod.DAWID_SKENE]
    else:
        methods += [AggregationMethod.MEDIAN, AggregationMethod.MEAN]
    for method in methods:
        name = effective_method(project=project, method=method)
        agg = aggregate(project=project, frame=frame, method=name)
        in_gold = np.isin(agg.items, list(gold))
        idx = np.flatnonzero(in_gold)
        if agg.label_number is not None:
            predicted = [float(agg.label_number[i]) for i in idx]
        else:
            predicted = [frame.domain[agg.label_code[i]] for i in idx]
        truth = [gold[int(agg.items[i])] for i in idx]
        entry: dict[str, Any] = {"method": agg.method, "items": len(idx), "accuracy": _accuracy(predicted, truth)}
        if agg.label_number is not None:
            numbers = np.array([float(t) for t in truth])
            entry["mean_abs_error"] = (
                rounded(float(np.mean(np.abs(np.array(predicted) - numbers)))) if len(idx) else None
            )
        else:
            entry["accuracy_ties_random"] = _tie_expected_accuracy(frame, agg, idx, truth)
            entry["ties"] = int(agg.tie[idx].sum())
        accuracy[method] = entry
    report["accuracy"] = accuracy
    return report
