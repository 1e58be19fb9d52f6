"""Automatic resolution: turn an item's annotations into one label, append-only.

`project_resolve` is set-based: one COPY out of the annotations, one vectorized aggregation (which
also refits the per-rater reliabilities on the whole project), one UPDATE that retires superseded
rows and one COPY in of the new ones. `item_resolve` resolves a single item with the stored fit.
Both take the project's advisory lock, so they never race on the one-current-row constraint.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from labeling.models import (
    AggregationFit,
    AggregationMethod,
    Item,
    LabelType,
    Project,
    RaterReliability,
    Resolution,
    ResolutionKind,
)
from labeling.selectors.agreement import alpha_cache_refresh
from labeling.selectors.annotation_frame import NUMERIC_TYPES, AnnotationFrame, annotation_frame, normalize_value
from labeling.services import aggregators

_LOCK_NAMESPACE = 7301  # pg_advisory_xact_lock(namespace, project_id)
CATEGORICAL_METHODS = {AggregationMethod.MAJORITY, AggregationMethod.WEIGHTED, AggregationMethod.DAWID_SKENE}


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
    alpha: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def project_lock(project_id: int) -> None:
    """Serialize resolution writes per project (callers must be inside a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, int(project_id)])


def effective_method(*, project: Project, method: str | None = None) -> str:
    """The method actually applicable to the project's label type.

    Numbers have no confusion matrix: reliability methods fall back to the median for interval and
    ratio projects; multi-label sets are resolved by majority over identical sets.
    """
    method = method or project.aggregation_method
    if method not in AggregationMethod.values:
        raise ApplicationError("Unknown aggregation method.", {"method": method, "allowed": AggregationMethod.values})
    if project.label_type in NUMERIC_TYPES and method in (AggregationMethod.WEIGHTED, AggregationMethod.DAWID_SKENE):
        return AggregationMethod.MEDIAN
    if project.label_type == LabelType.MULTI:
        return AggregationMethod.MAJORITY
    if project.label_type == LabelType.SINGLE and method in (AggregationMethod.MEDIAN, AggregationMethod.MEAN):
        return AggregationMethod.MAJORITY
    return method


def aggregate(*, project: Project, frame: AnnotationFrame, method: str) -> aggregators.Aggregate:
    if project.min_value is not None and project.max_value is not None:
        frame.extra["scale"] = float(project.max_value - project.min_value)
    if method == AggregationMethod.DAWID_SKENE:
        return aggregators.dawid_skene(frame)
    if method == AggregationMethod.WEIGHTED:
        return aggregators.wawa(frame)
    if method == AggregationMethod.MEDIAN:
        return aggregators.median(frame)
    if method == AggregationMethod.MEAN:
        return aggregators.mean(frame)
    return aggregators.majority_vote(frame)


def label_json(value: Any) -> str:
    return json.dumps(normalize_value(value), ensure_ascii=False)


def _distribution_key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(normalize_value(value), ensure_ascii=False)


def _number_text(numbers: np.ndarray, *, probability: bool) -> np.ndarray:
    """Shortest text of numbers rounded to 4 decimals; integer arithmetic for probabilities (fast path)."""
    string = np.dtypes.StringDType()
    if probability:
        scaled = np.rint(numbers * 10_000).astype(np.int64)
        fraction = np.strings.zfill((scaled % 10_000).astype(string), 4)
        text = np.strings.add(np.strings.add((scaled // 10_000).astype(string), "."), fraction)
        return np.strings.rstrip(np.strings.rstrip(text, "0"), ".")
    whole = numbers == np.round(numbers)
    return np.where(whole, numbers.astype(np.int64).astype(string), numbers.astype(string))


def format_json_objects(keys: list[str], values: np.ndarray, *, skip_zero: bool) -> np.ndarray:
    """Rows of numbers -> JSON object texts, built with numpy string ufuncs (no per-item Python)."""
    n = len(values)
    string = np.dtypes.StringDType()
    out = np.full(n, "", dtype=string)
    started = np.zeros(n, dtype=bool)
    rounded = np.round(values.astype(float), 4)
    for column, key in enumerate(keys):
        present = rounded[:, column] != 0 if skip_zero else np.ones(n, dtype=bool)
        if not present.any():
            continue
        as_text = _number_text(rounded[present, column], probability=skip_zero)
        piece = np.strings.add(np.where(started[present], f", {key}: ", f"{key}: ").astype(string), as_text)
        out[present] = np.strings.add(out[present], piece)
        started |= present
    return np.strings.add(np.strings.add("{", out), "}").astype(object)


def result_table(*, project: Project, frame: AnnotationFrame, agg: aggregators.Aggregate) -> pd.DataFrame:
    """One row per item: label and distribution as JSON text, confidence, adjudication flag and reason."""
    keys = [json.dumps(_distribution_key(v), ensure_ascii=False) for v in frame.domain]
    if agg.label_number is not None:
        labels = [label_json(float(x)) for x in agg.label_number]
    else:
        domain_json = np.array([label_json(v) for v in frame.domain], dtype=object)
        labels = domain_json[agg.label_code].tolist()
    if agg.dist_keys is not None:
        distributions = format_json_objects([json.dumps(k) for k in agg.dist_keys], agg.proba, skip_zero=False)
    else:
        distributions = format_json_objects(keys, agg.proba, skip_zero=True)
    confidence = np.round(agg.confidence.astype(float), 6)
    low = confidence < project.confidence_threshold
    reason = np.where(agg.tie, "tie", np.where(low, "low_confidence", ""))
    return pd.DataFrame(
        {
            "item": agg.items,
            "label": labels,
            "confidence": confidence,
            "distribution": distributions,
            "count": agg.counts,
            "needs": agg.tie | low,
            "reason": reason,
        }
    )


def _read_copy(sql: str) -> bytes:
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for chunk in copy:
            buffer.write(chunk)
    return buffer.getvalue()


def _current_resolutions(project_id: int) -> pd.DataFrame:
    raw = _read_copy(
        "COPY (SELECT item_id, id, kind, method, label::text, confidence, annotation_count, needs_adjudication "
        f"FROM labeling_resolution WHERE project_id = {int(project_id)} AND is_current) TO STDOUT WITH (FORMAT csv)"
    )
    names = ["item", "id", "kind", "method", "label", "confidence", "count", "needs"]
    if not raw:
        empty = pd.DataFrame({n: pd.Series(dtype=object) for n in names})
        return empty.astype({"item": np.int64, "id": float, "confidence": float, "count": float})
    df = pd.read_csv(io.BytesIO(raw), header=None, names=names, keep_default_na=False, dtype={"label": str})
    df["needs"] = df["needs"].astype(str) == "t"
    df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce")
    return df


def _not_ready_items(project: Project) -> np.ndarray:
    """Items still waiting for raters: open slots or a live lease."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id FROM labeling_item i WHERE i.project_id = %s AND (i.slots_open > 0 OR EXISTS ("
            "SELECT 1 FROM labeling_assignment a WHERE a.item_id = i.id AND a.status = 'leased'))",
            [project.pk],
        )
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


def _write_new(project: Project, method: str, table: pd.DataFrame, supersedes: pd.Series) -> None:
    now = timezone.now().isoformat()
    out = pd.DataFrame(
        {
            "project_id": project.pk,
            "item_id": table["item"].to_numpy(),
            "kind": ResolutionKind.AUTOMATIC,
            "method": method,
            "label": table["label"].to_numpy(),
            "confidence": table["confidence"].to_numpy(),
            "distribution": table["distribution"].to_numpy(),
            "annotation_count": table["count"].to_numpy(),
            "needs_adjudication": np.where(table["needs"].to_numpy(), "t", "f"),
            "adjudication_reason": table["reason"].to_numpy(),
            "rationale": "",
            "supersedes_id": supersedes.to_numpy(),
            "is_current": "t",
            "created_at": now,
        }
    )
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, header=False)
    columns = ", ".join(out.columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY labeling_resolution ({columns}) FROM STDIN "
            "WITH (FORMAT csv, FORCE_NOT_NULL (adjudication_reason, rationale))"
        ) as copy,
    ):
        copy.write(buffer.getvalue())


def _store_fit(project: Project, frame: AnnotationFrame, agg: aggregators.Aggregate) -> None:
    """Replace the project's stored per-rater reliabilities with this fit's."""
    reliability = agg.reliability or aggregators.agreement_with(frame, agg.items, agg.label_code)
    raters, counts = np.unique(frame.rater, return_counts=True)
    per_rater = dict(zip(raters.tolist(), counts.tolist(), strict=True))
    keys = [_distribution_key(v) for v in frame.domain]
    RaterReliability.objects.filter(project=project).delete()
    RaterReliability.objects.bulk_create(
        [
            RaterReliability(
                project=project,
                rater_id=rater,
                method=agg.method,
                reliability=float(np.clip(value, 0.0, 1.0)),
                confusion=(
                    {
                        keys[t]: {keys[o]: round(float(agg.confusion[rater][t, o]), 6) for o in range(len(keys))}
                        for t in range(len(keys))
                    }
                    if rater in agg.confusion
                    else None
                ),
                annotation_count=per_rater.get(rater, 0),
            )
            for rater, value in reliability.items()
        ],
        batch_size=2000,
    )
    priors = {keys[i]: float(p) for i, p in enumerate(agg.priors)} if agg.priors is not None else {}
    AggregationFit.objects.update_or_create(
        project=project,
        defaults={
            "method": agg.method,
            "priors": priors,
            "annotation_count": len(frame),
            "item_count": len(agg.items),
        },
    )


@transaction.atomic
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
    duplicate history. Alpha at the project's level (with a bootstrap interval) is computed from the
    same frame and cached for dashboards. Takes the project's advisory lock.
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
    project_lock(project.pk)
    with connection.cursor() as cursor:
        # Resolutions are derived data (a rerun recomputes them): don't wait for the WAL flush at commit.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
    frame = annotation_frame(project=project)
    summary.annotations = len(frame)
    mark("load")
    if len(frame) == 0:
        return summary
    agg = aggregate(project=project, frame=frame, method=method)
    mark("aggregate")
    summary.alpha = alpha_cache_refresh(project=project, frame=frame, bootstrap=bootstrap)
    mark("alpha")
    _store_fit(project, frame, agg)
    table = result_table(project=project, frame=frame, agg=agg)
    summary.items_seen = len(table)
    not_ready = np.isin(table["item"].to_numpy(), _not_ready_items(project))
    ready = ~not_ready | (table["count"].to_numpy() >= project.overlap)
    summary.items_not_ready = int((~ready).sum())
    table = table[ready]
    mark("prepare")

    current = _current_resolutions(project.pk)
    merged = table.merge(current, on="item", how="left", suffixes=("", "_cur"))
    adjudicated = (merged["kind"] == ResolutionKind.ADJUDICATION).to_numpy()
    has_current = merged["id"].notna().to_numpy()
    same = (
        has_current
        & (merged["method"] == method).to_numpy()
        & (merged["label"] == merged["label_cur"]).to_numpy()
        & (merged["count"] == merged["count_cur"]).to_numpy()
        & (merged["needs"] == merged["needs_cur"]).to_numpy()
        & (np.abs(merged["confidence"].to_numpy() - merged["confidence_cur"].to_numpy(float)) < 1e-6)
    )
    write = ~adjudicated & ~same
    summary.kept_adjudicated = int(adjudicated.sum())
    summary.unchanged = int((same & ~adjudicated).sum())
    to_write = merged[write]
    retire = to_write["id"].dropna().astype(np.int64).tolist()
    if retire:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE labeling_resolution SET is_current = false WHERE id = ANY(%s)", [retire])
    supersedes = to_write["id"].astype("Int64")
    if len(to_write):
        _write_new(project, method, to_write, supersedes)
    summary.written = len(to_write)
    summary.needs_adjudication = int(to_write["needs"].sum())
    mark("write")
    return summary


def _single_item_aggregate(project: Project, frame: AnnotationFrame, method: str) -> aggregators.Aggregate:
    """Resolve one item with the project's stored fit; without a fit, reliability methods use majority."""
    if method not in (AggregationMethod.WEIGHTED, AggregationMethod.DAWID_SKENE):
        return aggregate(project=project, frame=frame, method=method)
    stored = {
        row.rater_id: row
        for row in RaterReliability.objects.filter(project=project).only("rater_id", "reliability", "confusion")
    }
    fit = AggregationFit.objects.filter(project=project).first()
    if not stored:
        return aggregators.majority_vote(frame)
    reliability = {rater: row.reliability for rater, row in stored.items()}
    if method == AggregationMethod.WEIGHTED:
        return aggregators.weighted_vote(frame, reliability)
    keys = [_distribution_key(v) for v in frame.domain]
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
    """
    project = item.project
    project_lock(project.pk)
    current = Resolution.objects.filter(item=item, is_current=True).first()
    if current is not None and current.kind == ResolutionKind.ADJUDICATION:
        return current
    frame = annotation_frame(project=project, item_ids=[item.pk])
    if len(frame) == 0:
        raise ApplicationError("The item has no annotations to resolve.", {"item_id": item.pk})
    method = effective_method(project=project)
    agg = _single_item_aggregate(project, frame, method)
    row = result_table(project=project, frame=frame, agg=agg).iloc[0]
    values = {
        "method": agg.method,
        "label": json.loads(row["label"]),
        "confidence": float(row["confidence"]),
        "distribution": json.loads(row["distribution"]),
        "annotation_count": int(row["count"]),
        "needs_adjudication": bool(row["needs"]),
        "adjudication_reason": str(row["reason"]),
    }
    if current is not None and _same_result(current, values):
        return current
    if current is not None:
        Resolution.objects.filter(pk=current.pk).update(is_current=False)
    return Resolution.objects.create(
        project=project, item=item, kind=ResolutionKind.AUTOMATIC, supersedes=current, is_current=True, **values
    )
