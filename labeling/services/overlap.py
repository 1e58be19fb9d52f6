"""Adaptive overlap on the live path: decide after each label, open one slot or stop, record why.

The only write path for ItemOverlapDecision. `overlap_after_annotation` runs inside the submit's
transaction, after the label's count update took the item's row lock, so two submits on one item
decide one after the other and the slot statement (`labeling.services.assignment.slots_adapt`) sees
every live lease. The decision itself is `labeling.aggregation.overlap.overlap_decide`, the function the
replay runs (docs/adr/0014-adaptive-overlap.md).
"""

from __future__ import annotations

import json

import numpy as np
from django.db import connection
from django.db.models import F, FloatField, Sum
from django.db.models.functions import Cast

from labeling.aggregation.overlap import (
    BELOW_TARGET,
    DAWID_SKENE,
    MAJORITY,
    MAX_REACHED,
    MORE,
    WEIGHTED,
    OverlapDecision,
    OverlapPolicy,
    RaterEvidence,
    RaterModel,
    overlap_decide,
)
from labeling.aggregation.overlap_replay import ModelSettings
from labeling.conf import adaptive_model_settings
from labeling.models import AggregationFit, Item, ItemOverlapDecision, Project, RaterReliability
from labeling.models import OverlapPolicy as PolicyChoice
from labeling.selectors.consensus import effective_method
from labeling.services.assignment import slots_adapt
from labeling.services.resolution_rows import ResultRows, distribution_key

BELOW_TARGET_REASON = "below_target"  # the adjudication reason of an item that reached its maximum unsure

# In (item, rater) key order, so the read walks that unique index and stops at the limit: a gold item many
# raters answered costs what a regular item costs (ADR 0008). Order does not matter to the posterior.
_VOTES_SQL = """
SELECT rater_id, value::text FROM labeling_annotation WHERE item_id = %s ORDER BY item_id, rater_id LIMIT %s
"""


def is_adaptive(project: Project) -> bool:
    return project.overlap_policy == PolicyChoice.ADAPTIVE


def project_policy(project: Project) -> OverlapPolicy:
    return OverlapPolicy(
        min_raters=project.overlap_min, max_raters=project.overlap_max, target=float(project.overlap_target)
    )


def label_keys(project: Project) -> list[str]:
    return [distribution_key(c) for c in project.categories or []]


def posterior_method(project: Project) -> str:
    """The project's method as the posterior understands it (median/mean of ordinal labels: majority)."""
    method = effective_method(project=project)
    return method if method in (MAJORITY, WEIGHTED, DAWID_SKENE) else MAJORITY


def rater_model(*, project: Project, rater_ids: list[int]) -> RaterModel:
    """The reliabilities stored by the latest refit, for these raters, plus the pooled prior for the rest."""
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
                confusion = None
                if method == DAWID_SKENE and row.confusion:
                    confusion = np.array(
                        [[float(row.confusion.get(t, {}).get(o, 0.0)) for o in labels] for t in labels]
                    )
                    if not np.all(confusion.sum(axis=1) > 0):
                        confusion = None
                raters[row.rater_id] = RaterEvidence(
                    accuracy=row.reliability, confusion=confusion, count=row.annotation_count
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


def _votes(item: Item, limit: int) -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_VOTES_SQL, [item.pk, limit])
        rows = cursor.fetchall()
    return [(rater, distribution_key(json.loads(value))) for rater, value in rows]


def overlap_after_annotation(*, project: Project, item: Item) -> OverlapDecision | None:
    """Decide the item after a label (None under fixed overlap). The caller holds the item's row lock.

    Runs the same statements for gold, exam and practice items as for regular ones (only the slot
    statement's row filter differs), so a submit's work says nothing about the item (ADR 0008).
    """
    if not is_adaptive(project):
        return None
    votes = _votes(item, project.overlap_max)
    model = rater_model(project=project, rater_ids=[rater for rater, _ in votes])
    decision = overlap_decide(votes=votes, model=model, policy=project_policy(project))
    opened = slots_adapt(
        item_id=item.pk,
        open_one=decision.outcome == MORE and decision.reason == BELOW_TARGET,
        close=decision.done,
        max_raters=project.overlap_max,
    )
    _decision_store(project=project, item=item, decision=decision, opened=opened, method=model.method)
    return decision


def _decision_store(*, project: Project, item: Item, decision: OverlapDecision, opened: bool, method: str) -> None:
    label = None
    if decision.label is not None:
        label = next((c for c in project.categories if distribution_key(c) == decision.label), decision.label)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO labeling_itemoverlapdecision (
                item_id, project_id, outcome, reason, method, label, confidence, posterior, raters_used,
                slots_opened, decided_at
            ) VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s::jsonb, %s, %s, now())
            ON CONFLICT (item_id) DO UPDATE SET
                outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, method = EXCLUDED.method,
                label = EXCLUDED.label, confidence = EXCLUDED.confidence, posterior = EXCLUDED.posterior,
                raters_used = EXCLUDED.raters_used, decided_at = EXCLUDED.decided_at,
                slots_opened = labeling_itemoverlapdecision.slots_opened + EXCLUDED.slots_opened
            """,
            [
                item.pk,
                project.pk,
                decision.outcome,
                decision.reason,
                method,
                _dumps(label),
                decision.confidence,
                _dumps(decision.posterior),
                decision.raters_used,
                int(opened),
            ],
        )


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def flag_below_target(*, project: Project, rows: ResultRows) -> ResultRows:
    """Send items that stopped at their maximum below target to adjudication (reason `below_target`).

    Both resolution paths call this on their rows, so an unsure item is queued like today's conflicts.
    """
    if not is_adaptive(project) or not len(rows):
        return rows
    stopped = np.array(
        list(
            ItemOverlapDecision.objects.filter(
                project=project, reason=MAX_REACHED, item_id__in=rows.item.tolist()
            ).values_list("item_id", flat=True)
        ),
        dtype=np.int64,
    )
    below = np.isin(rows.item, stopped)
    if below.any():
        rows.reason = np.where(below & ~rows.needs, BELOW_TARGET_REASON, rows.reason).astype(rows.reason.dtype)
        rows.needs = rows.needs | below
    return rows


def replay_settings() -> ModelSettings:
    """The live posterior's settings, for the replay (manage.py overlap_replay, bench/adaptive_overlap.py)."""
    prior, weight, cap = adaptive_model_settings()
    return ModelSettings(prior_accuracy=prior, prior_weight=weight, max_reliability=cap)
