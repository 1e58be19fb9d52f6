"""Automatic resolution: turn an item's annotations into one label, append-only.

`project_resolve` is set-based: one bulk read of the annotations, one vectorized aggregation (which
also refits the per-rater reliabilities on the whole project), one UPDATE that retires superseded
rows and one COPY in of the new ones (`resolution_rows`). `item_resolve` resolves a single item with the stored fit.
Both take the project's advisory lock, so they never race on the one-current-row constraint; the
project's alpha and its bootstrap are computed after the commit, so nothing waits on them.

Only crowd work is resolved: the annotation frame holds regular items only, so gold, exam and
practice items never get a row whichever path asks (the per-item task, a project refit from the API,
Celery or `resolve_project`, a resolve after `import_annotations`). `item_resolve` refuses them
outright, and a project refit retires any current row such an item still has from before.

The reliability fits (Wawa skills, Dawid-Skene confusion matrices, stored as RaterReliability) are
fitted on regular items only: they are the crowd model that resolves the crowd's items. Rater
accuracy against known answers is the gold check's own figure (raters' GoldCheck, and the `gold`
section of `project_report`), not an input of the consensus.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction

from config.exceptions import ApplicationError
from labeling.aggregation import aggregators
from labeling.aggregation.frame import AnnotationFrame, crowd_only, machine_mask, machine_rater_keys
from labeling.aggregation.machine_reliability import machine_measures
from labeling.aggregation.overlap import machine_vote_counts
from labeling.conf import machine_min_measured_items
from labeling.events import resolutions_written_emit
from labeling.models import (
    AggregationFit,
    AggregationMethod,
    Item,
    MachineReliability,
    Project,
    RaterReliability,
    Resolution,
    ResolutionKind,
)
from labeling.selectors.annotation_frame import annotation_frame
from labeling.selectors.consensus import aggregate, effective_method
from labeling.selectors.crowd_items import crowd_item_require
from labeling.selectors.rater_model import rater_model
from labeling.services.agreement_cache import alpha_cache_refresh
from labeling.services.overlap import flag_below_target, is_adaptive
from labeling.services.resolution_rows import (
    STRING,
    current_resolutions,
    distribution_key,
    resolution_append,
    result_rows,
    retire,
    retire_non_crowd,
    write_resolutions,
)

_LOCK_NAMESPACE = 7301  # pg_advisory_xact_lock(namespace, project_id)


@dataclass
class ResolutionSummary:
    project_id: int
    method: str
    annotations: int = 0
    items_seen: int = 0
    items_not_ready: int = 0
    written: int = 0
    unchanged: int = 0
    kept_adjudicated: int = 0
    needs_adjudication: int = 0
    retired_non_crowd: int = 0
    alpha: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def project_lock(project_id: int) -> None:
    """Serialize resolution writes per project (callers must be inside a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, int(project_id)])


def _not_ready_items(project: Project) -> np.ndarray:
    """Items still waiting for raters: open slots or a live lease."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id FROM labeling_item i WHERE i.project_id = %s AND (i.slots_open > 0 OR EXISTS ("
            "SELECT 1 FROM labeling_assignment a WHERE a.item_id = i.id AND a.status = 'leased'))",
            [project.pk],
        )
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


def counted_votes(*, project: Project, frame: AnnotationFrame) -> AnnotationFrame:
    """The votes a resolution is made from: people's, and the model's only where its vote counts.

    The rule is the overlap decision's (`machine_vote_counts` on the stored fit): the latest refit measured
    the model (docs/adr/0015) at no less than a person without a fit. An unmeasured model, or a weak one,
    leaves every resolution to people alone, so importing predictions never moves a label by itself.
    """
    machines = machine_rater_keys(frame)
    if not machines:
        return frame
    for rater, key in machines.items():
        if machine_vote_counts(rater, rater_model(project=project, rater_ids=[], machine_key=key)):
            return frame
    return crowd_only(frame)


def _store_fit(
    project: Project, frame: AnnotationFrame, agg: aggregators.Aggregate, people: AnnotationFrame | None = None
) -> None:
    """Replace the project's stored per-rater reliabilities with this (people-only) fit's; the model's
    measure, against that fit, goes to its own table."""
    people = crowd_only(frame) if people is None else people
    reliability = agg.reliability or aggregators.agreement_with(people, agg.items, agg.label_code)
    raters, counts = np.unique(frame.rater, return_counts=True)
    per_rater = dict(zip(raters.tolist(), counts.tolist(), strict=True))
    keys = [distribution_key(v) for v in frame.domain]
    machines = machine_rater_keys(frame)

    def as_table(matrix: np.ndarray) -> dict:
        return {keys[t]: {keys[o]: round(float(matrix[t, o]), 6) for o in range(len(keys))} for t in range(len(keys))}

    def confusion_of(rater: int) -> dict | None:
        return as_table(agg.confusion[rater]) if rater in agg.confusion else None

    RaterReliability.objects.filter(project=project).delete()
    RaterReliability.objects.bulk_create(
        [
            RaterReliability(
                project=project,
                rater_id=rater,
                method=agg.method,
                reliability=float(np.clip(value, 0.0, 1.0)),
                confusion=confusion_of(rater),
                annotation_count=per_rater.get(rater, 0),
            )
            for rater, value in reliability.items()
            if rater not in machines
        ],
        batch_size=2000,
    )
    # A model is measured against people alone, on items two or more people labelled (machine_reliability).
    measures = machine_measures(frame, agg, min_items=machine_min_measured_items())
    MachineReliability.objects.filter(project=project).delete()
    MachineReliability.objects.bulk_create(
        [
            MachineReliability(
                project=project,
                rater_key=key,
                method=agg.method,
                reliability=float(np.clip(measures[rater].reliability, 0.0, 1.0)),
                confusion=None if measures[rater].confusion is None else as_table(measures[rater].confusion),
                annotation_count=measures[rater].items,
            )
            for rater, key in machines.items()
            if rater in measures
        ]
    )
    priors = {keys[i]: float(p) for i, p in enumerate(agg.priors)} if agg.priors is not None else {}
    AggregationFit.objects.update_or_create(
        project=project,
        defaults={
            "method": agg.method,
            "priors": priors,
            "annotation_count": len(people),
            "item_count": len(agg.items),
        },
    )


def project_resolve(
    *,
    project: Project,
    method: str | None = None,
    progress: Callable[[str], None] | None = None,
    bootstrap: int = 1000,
) -> ResolutionSummary:
    """Refit the project's aggregation on every annotation and resolve every ready item.

    Items whose current resolution is a human adjudication keep it. A new row is written only where
    the result changed (label, confidence, count, method or flag), so a nightly refit does not
    duplicate history. The writes take the project's advisory lock; alpha at the project's level
    (with a bootstrap interval) is computed from the same frame once they have committed, outside
    the lock, and cached for dashboards (`summary.alpha` is filled then).
    """
    timings: dict[str, float] = {}
    step = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal step
        now = time.perf_counter()
        timings[name] = round(now - step, 3)
        step = now
        if progress is not None:
            progress(name)

    method = effective_method(project=project, method=method)
    summary = ResolutionSummary(project_id=project.pk, method=method, seconds=timings)
    frame = _resolve_locked(project=project, method=method, summary=summary, mark=mark)
    if len(frame):

        def alpha_after_commit() -> None:
            mark("commit")
            summary.alpha = alpha_cache_refresh(project=project, frame=crowd_only(frame), bootstrap=bootstrap)
            mark("alpha")

        transaction.on_commit(alpha_after_commit)
    return summary


@transaction.atomic
def _resolve_locked(
    *, project: Project, method: str, summary: ResolutionSummary, mark: Callable[[str], None]
) -> AnnotationFrame:
    """The writes of `project_resolve`, under the project's advisory lock; returns the frame they used."""
    project_lock(project.pk)
    with connection.cursor() as cursor:
        # Resolutions are derived data (a rerun recomputes them): don't wait for the WAL flush at commit.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
    summary.retired_non_crowd = retire_non_crowd(project.pk)
    frame = annotation_frame(project=project, machine=True)
    summary.annotations = int((~machine_mask(frame)).sum())
    mark("load")
    if len(frame) == 0:
        return frame
    # People's parameters are fitted on people alone; the model is measured against them and its vote joins
    # the resolutions only where it counts (`counted_votes`), weighed by its stored measure.
    people = crowd_only(frame)
    agg = aggregate(project=project, frame=people, method=method)
    mark("aggregate")
    _store_fit(project, frame, agg, people)
    used = counted_votes(project=project, frame=frame)
    if len(used) != len(people):
        agg = _single_item_aggregate(project, used, method)
    rows = result_rows(project=project, frame=used, agg=agg)
    summary.items_seen = len(rows)
    rows = flag_below_target(project=project, rows=rows)
    not_ready = np.isin(rows.item, _not_ready_items(project))
    # Readiness counts people only: a model vote never completes an item's overlap.
    people = np.unique(frame.item[~machine_mask(frame)], return_counts=True)
    people_count = np.zeros(len(rows), dtype=np.int64)
    people_count[np.searchsorted(rows.item, people[0])] = people[1]
    rows.count = people_count  # Resolution.annotation_count: people's annotations (a model vote is not one)
    # Under adaptive overlap an item is ready only when its last decision left no slot open and no lease out.
    ready = ~not_ready if is_adaptive(project) else ~not_ready | (people_count >= project.overlap)
    summary.items_not_ready = int((~ready).sum())
    rows = rows.take(ready)
    mark("prepare")

    # Line the current rows up with the new results (both sorted by item) and keep what is unchanged.
    current = current_resolutions(project.pk)
    at = np.searchsorted(rows.item, current["item"].to_numpy())
    found = at < len(rows)
    found[found] = rows.item[at[found]] == current["item"].to_numpy()[found]
    at, current = at[found], current[found]
    current_id = np.full(len(rows), -1, dtype=np.int64)
    current_id[at] = current["id"].to_numpy()
    adjudicated = np.zeros(len(rows), dtype=bool)
    adjudicated[at] = (current["kind"] == ResolutionKind.ADJUDICATION).to_numpy()
    same = np.zeros(len(rows), dtype=bool)
    same[at] = (
        (current["method"] == method).to_numpy()
        & (current["label"].to_numpy(dtype=str).astype(STRING) == rows.label[at])
        & (current["count"].to_numpy() == rows.count[at])
        & (current["needs"].to_numpy() == rows.needs[at])
        & (np.abs(current["confidence"].to_numpy(float) - rows.confidence[at]) < 1e-6)
    )
    write = ~adjudicated & ~same
    summary.kept_adjudicated = int(adjudicated.sum())
    summary.unchanged = int((same & ~adjudicated).sum())
    supersedes = current_id[write]
    retire(supersedes[supersedes >= 0])
    write_resolutions(project=project, method=method, rows=rows.take(write), supersedes=supersedes)
    resolutions_written_emit(project_id=project.pk, item_ids=rows.item[write])
    summary.written = int(write.sum())
    summary.needs_adjudication = int(rows.needs[write].sum())
    mark("write")
    return frame


def _single_item_aggregate(project: Project, frame: AnnotationFrame, method: str) -> aggregators.Aggregate:
    """Resolve with the project's stored fit (`frame`: the counted votes); without a fit, majority."""
    if method not in (AggregationMethod.WEIGHTED, AggregationMethod.DAWID_SKENE):
        return aggregate(project=project, frame=frame, method=method)
    stored = {
        row.rater_id: row
        for row in RaterReliability.objects.filter(project=project).only("rater_id", "reliability", "confusion")
    }
    machine_ids = {key: rater for rater, key in machine_rater_keys(frame).items()}
    for row in MachineReliability.objects.filter(project=project, rater_key__in=list(machine_ids)):
        stored[machine_ids[row.rater_key]] = row
    fit = AggregationFit.objects.filter(project=project).first()
    if not stored:
        return aggregators.majority_vote(frame)
    reliability = {rater: row.reliability for rater, row in stored.items()}
    if method == AggregationMethod.WEIGHTED:
        return aggregators.weighted_vote(frame, reliability)
    keys = [distribution_key(v) for v in frame.domain]
    if fit is None or fit.method != AggregationMethod.DAWID_SKENE or set(fit.priors) - set(keys):
        return aggregators.majority_vote(frame)
    priors = np.array([fit.priors.get(k, 1e-6) for k in keys])
    confusion: dict[int, np.ndarray] = {}
    for rater, row in stored.items():
        if row.confusion:
            confusion[rater] = np.array(
                [[row.confusion.get(t, {}).get(o, 1e-6) for o in keys] for t in keys], dtype=float
            )
    return aggregators.dawid_skene_posterior(frame, priors, confusion, reliability)


def _same_result(current: Resolution, values: dict[str, Any]) -> bool:
    fields = ("method", "label", "annotation_count", "needs_adjudication", "adjudication_reason")
    if any(getattr(current, name) != values[name] for name in fields):
        return False
    return current.confidence is not None and abs(current.confidence - values["confidence"]) < 1e-6


@transaction.atomic
def item_resolve(*, item: Item) -> Resolution:
    """Resolve one item now (called when it reaches its overlap). Takes the project's advisory lock.

    Returns the current resolution unchanged when it is an adjudication or the result is the same.
    Refuses gold, exam and practice items (code `not_crowd_item`).
    """
    crowd_item_require(item=item)
    project = item.project
    project_lock(project.pk)
    current = Resolution.objects.filter(item=item, is_current=True).first()
    if current is not None and current.kind == ResolutionKind.ADJUDICATION:
        return current
    frame = annotation_frame(project=project, item_ids=[item.pk], machine=True)
    if len(frame) == 0:
        raise ApplicationError("The item has no annotations to resolve.", {"item_id": item.pk})
    method = effective_method(project=project)
    used = counted_votes(project=project, frame=frame)
    agg = _single_item_aggregate(project, used, method)
    rows = flag_below_target(project=project, rows=result_rows(project=project, frame=used, agg=agg))
    values = {"method": agg.method, **rows.row(0)}
    values["annotation_count"] = int((~machine_mask(frame)).sum())
    if current is not None and _same_result(current, values):
        return current
    return resolution_append(project=project, item=item, current=current, kind=ResolutionKind.AUTOMATIC, **values)
