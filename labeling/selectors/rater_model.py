"""The stored fit as the overlap decision and resolution read it: each rater's evidence, the model rater's
measure, and the pooled prior for everyone the fit has not seen (docs/adr/0014, docs/adr/0015)."""

from __future__ import annotations

import numpy as np
from django.db.models import F, FloatField, Sum
from django.db.models.functions import Cast

from labeling.aggregation.frame import MACHINE_RATER_ID, distribution_key
from labeling.aggregation.overlap import (
    DAWID_SKENE,
    MAJORITY,
    WEIGHTED,
    RaterEvidence,
    RaterModel,
    machine_vote_counts,
)
from labeling.conf import adaptive_model_settings, machine_min_measured_items
from labeling.models import AggregationFit, MachineReliability, Project, RaterReliability
from labeling.selectors.consensus import effective_method
from labeling.selectors.model_settings import machine_rater_for


def label_keys(project: Project) -> list[str]:
    return [distribution_key(c) for c in project.categories or []]


def posterior_method(project: Project) -> str:
    """The project's method as the posterior understands it (median/mean of ordinal labels: majority)."""
    method = effective_method(project=project)
    return method if method in (MAJORITY, WEIGHTED, DAWID_SKENE) else MAJORITY


def rater_model(*, project: Project, rater_ids: list[int], machine_key: str | None = None) -> RaterModel:
    """The reliabilities stored by the latest refit, for these raters, plus the pooled prior for the rest.

    With `machine_key`, the model rater's stored reliability too, under `MACHINE_RATER_ID` (for every
    method: majority weighs it like a person, but the guard in `overlap_decide` reads its measured figure).
    """
    prior, weight, cap = adaptive_model_settings()
    labels = label_keys(project)
    method = posterior_method(project)
    fit = AggregationFit.objects.filter(project=project).only("method", "priors").first()
    fitted = fit is not None and (method == MAJORITY or fit.method == method)
    raters: dict[int, RaterEvidence] = {}
    priors = None
    if fitted:
        totals = RaterReliability.objects.filter(project=project).aggregate(
            weighted=Sum(F("reliability") * Cast("annotation_count", FloatField())), labels=Sum("annotation_count")
        )
        if totals["labels"]:  # the label-weighted mean of the fitted reliabilities
            prior = float(totals["weighted"]) / float(totals["labels"])
        if method != MAJORITY:
            for row in RaterReliability.objects.filter(project=project, rater_id__in=rater_ids).only(
                "rater_id", "reliability", "confusion", "annotation_count"
            ):
                confusion = _confusion(row.confusion, labels) if method == DAWID_SKENE else None
                raters[row.rater_id] = RaterEvidence(
                    accuracy=row.reliability, confusion=confusion, count=row.annotation_count
                )
        if machine_key is not None:
            row = MachineReliability.objects.filter(project=project, rater_key=machine_key).first()
            if row is not None:
                raters[MACHINE_RATER_ID] = RaterEvidence(
                    accuracy=row.reliability,
                    confusion=_confusion(row.confusion, labels) if method == DAWID_SKENE else None,
                    count=row.annotation_count,
                )
        if method == DAWID_SKENE and fit.priors and set(labels) <= set(fit.priors):
            priors = np.array([float(fit.priors[k]) for k in labels])
    return RaterModel(
        method=method,
        labels=labels,
        raters=raters,
        priors=priors,
        prior_accuracy=min(prior, cap),
        prior_weight=weight,
        max_reliability=cap,
    )


def _confusion(stored: dict | None, labels: list[str]) -> np.ndarray | None:
    """A stored confusion matrix as [true, observed] over `labels`; None when missing or a row is empty."""
    if not stored:
        return None
    matrix = np.array([[float(stored.get(t, {}).get(o, 0.0)) for o in labels] for t in labels])
    return matrix if np.all(matrix.sum(axis=1) > 0) else None


def machine_rater_status(*, project: Project) -> dict | None:
    """The project's model rater as staff see it: its key, how many items it was measured on, at what
    reliability, against which bar, and whether its vote counts now. None without a model rater."""
    rater = machine_rater_for(project=project)
    if rater is None:
        return None
    model = rater_model(project=project, rater_ids=[], machine_key=rater[2])
    evidence = model.raters.get(MACHINE_RATER_ID)
    return {
        "key": rater[2],
        "min_items": machine_min_measured_items(),
        "measured_items": evidence.count if evidence is not None else 0,
        "reliability": evidence.accuracy if evidence is not None else None,
        "bar": model.prior_accuracy,
        "counts": machine_vote_counts(MACHINE_RATER_ID, model),
    }
