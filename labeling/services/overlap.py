"""Adaptive overlap on the live path: decide after each label, open one slot or stop, record why.

The only write path for ItemOverlapDecision. `overlap_after_annotation` runs inside the submit's
transaction, after the label's count update took the item's row lock, so two submits on one item
decide one after the other and the slot statement (`labeling.services.assignment.slots_adapt`) sees
every live lease. The decision itself is `labeling.aggregation.overlap.overlap_decide`, the function the
replay runs (docs/adr/0014-adaptive-overlap.md).

When the project counts a model as a rater (docs/adr/0015), its prediction for the item is passed as a
machine vote with its MachineReliability; `overlap_decide` admits it only when measured and reliable,
and never counts it as a person. Gold, exam and practice items read the same rows but get no machine vote,
nor does an item on which the model's own suggestion was shown to a rater.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from django.db import connection

from labeling.aggregation.frame import MACHINE_RATER_ID
from labeling.aggregation.overlap import (
    BELOW_TARGET,
    MAX_REACHED,
    MORE,
    OverlapDecision,
    OverlapPolicy,
    RaterModel,
    overlap_decide,
)
from labeling.aggregation.overlap_replay import ModelSettings
from labeling.conf import adaptive_model_settings
from labeling.models import (
    Item,
    ItemOverlapDecision,
    Project,
)
from labeling.models import OverlapPolicy as PolicyChoice
from labeling.selectors.model_settings import machine_rater_for
from labeling.selectors.rater_model import rater_model
from labeling.services.assignment import slots_adapt
from labeling.services.resolution_rows import ResultRows, distribution_key

BELOW_TARGET_REASON = "below_target"  # the adjudication reason of an item that reached its maximum unsure

# In (item, rater) key order, so the read walks that unique index and stops at the limit: a gold item many
# raters answered costs what a regular item costs (ADR 0008). Order does not matter to the posterior.
_VOTES_SQL = """
SELECT rater_id, value::text FROM labeling_annotation WHERE item_id = %s ORDER BY item_id, rater_id LIMIT %s
"""
# The model rater's vote. The row filter (not a branch in Python) leaves non-crowd items without one, so a
# gold submit runs this statement too (ADR 0008) and, as in resolution's frame, never sees a machine vote.
# An item where a lease showed this model version's suggestion gets none either: a person who accepted the
# suggestion is not a second opinion, and one person plus the model must not close it.
_MACHINE_VOTE_SQL = """
SELECT p.value::text FROM labeling_prediction p JOIN labeling_item i ON i.id = p.item_id
WHERE p.item_id = %s AND p.model = %s AND p.version = %s AND NOT i.is_gold AND NOT i.is_exam AND NOT i.is_practice
AND NOT EXISTS (
    SELECT 1 FROM labeling_suggestionexposure s
    WHERE s.item_id = p.item_id AND s.shown AND s.model = p.model AND s.version = p.version
)
"""


def is_adaptive(project: Project) -> bool:
    return project.overlap_policy == PolicyChoice.ADAPTIVE


def project_policy(project: Project) -> OverlapPolicy:
    return OverlapPolicy(
        min_raters=project.overlap_min, max_raters=project.overlap_max, target=float(project.overlap_target)
    )


def _votes(item: Item, limit: int) -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_VOTES_SQL, [item.pk, limit])
        rows = cursor.fetchall()
    return [(rater, distribution_key(json.loads(value))) for rater, value in rows]


def _machine_votes(item: Item, rater: tuple[str, str, str] | None) -> list[tuple[int, str]]:
    """The model rater's vote on the item, as `(MACHINE_RATER_ID, label)`; none without a rater or a prediction."""
    if rater is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_MACHINE_VOTE_SQL, [item.pk, rater[0], rater[1]])
        row = cursor.fetchone()
    return [] if row is None else [(MACHINE_RATER_ID, distribution_key(json.loads(row[0])))]


@dataclass(frozen=True)
class DecisionInputs:
    """What the decision of one item reads: people's votes, the model's vote, the reliabilities."""

    votes: list[tuple[int, str]]
    machine_votes: list[tuple[int, str]]
    machine_key: str | None
    model: RaterModel


def decision_inputs(*, project: Project, item: Item) -> DecisionInputs:
    """The votes and reliabilities the live decision uses, read now (also what a replay of the item is fed)."""
    votes = _votes(item, project.overlap_max)
    rater = machine_rater_for(project=project)
    machine_key = rater[2] if rater is not None else None
    model = rater_model(project=project, rater_ids=[r for r, _ in votes], machine_key=machine_key)
    return DecisionInputs(votes=votes, machine_votes=_machine_votes(item, rater), machine_key=machine_key, model=model)


def overlap_after_annotation(*, project: Project, item: Item) -> OverlapDecision | None:
    """Decide the item after a label (None under fixed overlap). The caller holds the item's row lock.

    Runs the same statements for gold, exam and practice items as for regular ones (only the slot
    statement's row filter differs), so a submit's work says nothing about the item (ADR 0008).
    """
    if not is_adaptive(project):
        return None
    inputs = decision_inputs(project=project, item=item)
    decision = overlap_decide(
        votes=inputs.votes, model=inputs.model, policy=project_policy(project), machine_votes=inputs.machine_votes
    )
    opened = slots_adapt(
        item_id=item.pk,
        open_one=decision.outcome == MORE and decision.reason == BELOW_TARGET,
        close=decision.done,
        max_raters=project.overlap_max,
    )
    _decision_store(
        project=project,
        item=item,
        decision=decision,
        opened=opened,
        method=inputs.model.method,
        machine_rater=(inputs.machine_key or "") if decision.machine_counted else "",
    )
    return decision


def _decision_store(
    *, project: Project, item: Item, decision: OverlapDecision, opened: bool, method: str, machine_rater: str
) -> None:
    label = None
    if decision.label is not None:
        label = next((c for c in project.categories if distribution_key(c) == decision.label), decision.label)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO labeling_itemoverlapdecision (
                item_id, project_id, outcome, reason, method, label, confidence, posterior, raters_used,
                machine_counted, machine_rater, slots_opened, decided_at
            ) VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s::jsonb, %s, %s, %s, %s, now())
            ON CONFLICT (item_id) DO UPDATE SET
                outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, method = EXCLUDED.method,
                label = EXCLUDED.label, confidence = EXCLUDED.confidence, posterior = EXCLUDED.posterior,
                raters_used = EXCLUDED.raters_used, decided_at = EXCLUDED.decided_at,
                machine_counted = EXCLUDED.machine_counted, machine_rater = EXCLUDED.machine_rater,
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
                decision.machine_counted,
                machine_rater,
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
