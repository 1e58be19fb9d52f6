"""Resolution rows: the only write path for the Resolution table, and a resolve's rows built in numpy.

Every writer appends here: `project_resolve` by COPY (`write_resolutions`, `retire`, `retire_non_crowd`),
`item_resolve` and `resolution_adjudicate` one row at a time (`resolution_append`). Each caller holds
the project's advisory lock (`labeling.services.resolution.project_lock`), so two writers never race on
the one-current-row constraint. `tests/test_write_paths.py` fails if another module writes the table.

At a million annotations a resolve writes a third of a million rows, so nothing here loops in
Python per item: labels are gathered from the domain's texts, soft labels from a table of every
rounded probability's text, and the new rows go to PostgreSQL as one tab-separated COPY.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from labeling.aggregation import aggregators
from labeling.aggregation.frame import AnnotationFrame, distribution_key, normalize_value
from labeling.events import resolution_emit
from labeling.models import Item, Project, Resolution, ResolutionKind
from labeling.selectors.annotation_frame import read_rows
from labeling.selectors.crowd_items import NON_CROWD_SQL

STRING = np.dtypes.StringDType()
_NULL = "\\N"  # NULL in COPY's text format


def label_json(value: Any) -> str:
    return json.dumps(normalize_value(value), ensure_ascii=False)


@cache
def _probability_texts() -> np.ndarray:
    """Text of i / 10000 for i in 0..10000, trailing zeros dropped ("0", "0.0001", ..., "1")."""
    return np.array([f"{i / 10_000:.4f}".rstrip("0").rstrip(".") for i in range(10_001)], dtype=STRING)


def _number_text(numbers: np.ndarray) -> np.ndarray:
    """Shortest text of numbers (integers without a decimal point)."""
    whole = numbers == np.round(numbers)
    return np.where(whole, numbers.astype(np.int64).astype(STRING), numbers.astype(STRING))


def format_json_objects(keys: list[str], values: np.ndarray, *, skip_zero: bool) -> np.ndarray:
    """Rows of numbers rounded to 4 decimals -> JSON object texts (StringDType), with no per-row Python.

    With `skip_zero` the values are probabilities: zero entries are left out, and every piece
    `key: value` is gathered from a table of all 10,001 rounded probabilities instead of formatted.
    """
    n, k = len(values), len(keys)
    rounded = np.round(values.astype(float), 4)
    if skip_zero:
        scaled = np.clip(np.rint(rounded * 10_000).astype(np.int64), 0, 10_000)
        present = scaled != 0
    else:
        present = np.ones((n, k), dtype=bool)
    started = np.zeros(n, dtype=bool)
    out = np.full(n, "", dtype=STRING)
    texts = _probability_texts()
    for column, key in enumerate(keys):
        here = present[:, column]
        if not here.any():
            continue
        if skip_zero:
            # table[started, value]: the whole piece for this key, "" for a zero probability
            table = np.stack([np.strings.add(f"{key}: ", texts), np.strings.add(f", {key}: ", texts)])
            table[:, 0] = ""
            piece = table[started.astype(np.intp), scaled[:, column]]
        else:
            prefix = np.where(started, f", {key}: ", f"{key}: ").astype(STRING)
            piece = np.strings.add(prefix, _number_text(rounded[:, column]))
        out = np.strings.add(out, piece)
        started |= here
    return np.strings.add(np.strings.add("{", out), "}")


@dataclass
class ResultRows:
    """One entry per item (sorted ids): label and soft label as JSON text, and the adjudication flag."""

    item: np.ndarray
    label: np.ndarray  # JSON text (StringDType)
    confidence: np.ndarray
    distribution: np.ndarray  # JSON text (StringDType)
    count: np.ndarray
    needs: np.ndarray
    reason: np.ndarray  # "", "tie" or "low_confidence"
    backslash: bool = False  # some label or key text holds a backslash (COPY must escape it)

    def __len__(self) -> int:
        return len(self.item)

    def take(self, which: np.ndarray) -> ResultRows:
        arrays = {name: getattr(self, name)[which] for name in self.__dataclass_fields__ if name != "backslash"}
        return ResultRows(**arrays, backslash=self.backslash)

    def row(self, index: int) -> dict[str, Any]:
        """One item's values as Python objects, for the ORM."""
        return {
            "label": json.loads(str(self.label[index])),
            "confidence": float(self.confidence[index]),
            "distribution": json.loads(str(self.distribution[index])),
            "annotation_count": int(self.count[index]),
            "needs_adjudication": bool(self.needs[index]),
            "adjudication_reason": str(self.reason[index]),
        }


def result_rows(*, project: Project, frame: AnnotationFrame, agg: aggregators.Aggregate) -> ResultRows:
    domain_texts = [label_json(v) for v in frame.domain]
    keys = [json.dumps(distribution_key(v), ensure_ascii=False) for v in frame.domain]
    if agg.label_number is not None:
        labels = np.array([label_json(float(x)) for x in agg.label_number], dtype=STRING)
    else:
        labels = np.array(domain_texts, dtype=STRING)[agg.label_code]
    if agg.dist_keys is not None:
        distributions = format_json_objects([json.dumps(k) for k in agg.dist_keys], agg.proba, skip_zero=False)
    else:
        distributions = format_json_objects(keys, agg.proba, skip_zero=True)
    confidence = np.round(agg.confidence.astype(float), 6)
    low = confidence < project.confidence_threshold
    reason = np.where(agg.tie, "tie", np.where(low, "low_confidence", "")).astype(STRING)
    return ResultRows(
        item=np.asarray(agg.items, dtype=np.int64),
        label=labels,
        confidence=confidence,
        distribution=distributions,
        count=np.asarray(agg.counts, dtype=np.int64),
        needs=np.asarray(agg.tie | low, dtype=bool),
        reason=reason,
        backslash=any("\\" in text for text in domain_texts + keys),
    )


def current_resolutions(project_id: int) -> pd.DataFrame:
    """The project's current rows: item, id, kind, method, label text, confidence, count, flag."""
    df = read_rows(
        columns=[
            "item_id",
            "id",
            "kind",
            "method",
            "COALESCE(label::text, '')",
            "COALESCE(confidence::text, 'NaN')",
            "annotation_count",
            "needs_adjudication::int",
        ],
        table="labeling_resolution",
        where=f"project_id = {int(project_id)} AND is_current",
        names=["item", "id", "kind", "method", "label", "confidence", "count", "needs"],
        dtype={"item": np.int64, "id": np.int64, "kind": str, "method": str, "label": str, "confidence": str},
    )
    df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce")
    df["needs"] = df["needs"].astype(bool)
    return df


def _escape(texts: np.ndarray, backslash: bool) -> np.ndarray:
    """COPY text format: a backslash must be doubled (JSON text holds no raw tab or newline)."""
    return np.strings.replace(texts, "\\", "\\\\") if backslash else texts


def write_resolutions(*, project: Project, method: str, rows: ResultRows, supersedes: np.ndarray) -> None:
    """COPY new automatic rows (supersedes: the retired row's id, or -1 for none) in tab-separated text."""
    if not len(rows):
        return
    constant = f"{int(project.pk)}\t{ResolutionKind.AUTOMATIC}\t{method}\t\tt\t{timezone.now().isoformat()}\t"
    confidence = rows.confidence.tolist()
    if np.isnan(rows.confidence).any():
        confidence = [_NULL if c != c else repr(c) for c in confidence]
    fields = zip(
        rows.item.tolist(),
        _escape(rows.label, rows.backslash).tolist(),
        confidence,
        _escape(rows.distribution, rows.backslash).tolist(),
        rows.count.tolist(),
        np.where(rows.needs, "t", "f").tolist(),
        rows.reason.tolist(),
        [_NULL if s < 0 else s for s in supersedes.tolist()],
        strict=True,
    )
    # One %-format per row is the cheapest way from columns to COPY text (numpy string adds copy each line).
    line = constant.replace("%", "%%") + "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n"
    text = "".join([line % values for values in fields])
    columns = (
        "project_id, kind, method, rationale, is_current, created_at, item_id, label, confidence, distribution, "
        "annotation_count, needs_adjudication, adjudication_reason, supersedes_id"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY labeling_resolution ({columns}) FROM STDIN") as copy:
        copy.write(text)


def retire_non_crowd(project_id: int) -> int:
    """Retire current rows of gold, exam and practice items (written before the crowd rule existed).

    Those items are never resolved again, so nothing supersedes them; their rows stay in the history.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE labeling_resolution SET is_current = false WHERE project_id = %s AND is_current "
            f"AND item_id IN (SELECT id FROM labeling_item WHERE project_id = %s AND {NON_CROWD_SQL})",
            [int(project_id), int(project_id)],
        )
        return cursor.rowcount


def retire(ids: np.ndarray) -> None:
    """Flip the superseded rows' `is_current` in one statement."""
    if len(ids):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE labeling_resolution SET is_current = false WHERE id = ANY(%s)", [ids.tolist()])


def resolution_append(
    *, project: Project, item: Item, current: Resolution | None, kind: str, **values: Any
) -> Resolution:
    """Add one decision on an item and retire `current`, the row it supersedes (None if the item had none).

    The caller holds the project's advisory lock, so `current` is still the item's current row.
    """
    if current is not None:
        Resolution.objects.filter(pk=current.pk).update(is_current=False)
    resolution = Resolution.objects.create(
        project=project, item=item, kind=kind, supersedes=current, is_current=True, **values
    )
    resolution_emit(resolution=resolution)
    return resolution
