"""A project's annotations as numpy arrays, read as a few large text values so a million rows take under a second.

Values are coded against the project's value domain: categories in the project's order (so ordinal
codes are ranks), or the sorted distinct numbers for interval and ratio projects.

The frame holds crowd work only (regular items, see `labeling.selectors.crowd_items`): every
aggregation, resolution and agreement figure is computed from it, so gold, exam and practice items
cannot reach any of them by another path. `scope="gold"` reads the gold items' annotations instead,
for the figures that compare raters with known answers.

With `machine=True` the project's model rater (ModelSettings.rater_model, docs/adr/0015) adds one vote
per item the crowd labeled, under a negative rater id; only aggregation asks for it, so every crowd
agreement figure reads people's votes only.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

import numpy as np
import pandas as pd
from django.db import connection

from labeling.aggregation.frame import MACHINE_RATER_ID, AnnotationFrame, normalize_value, value_key
from labeling.models import LabelType, Project
from labeling.selectors.crowd_items import gold_item_ids, non_crowd_item_ids
from labeling.selectors.model_settings import machine_rater_for

NUMERIC_TYPES = (LabelType.INTERVAL, LabelType.RATIO)


def project_domain(*, project: Project, observed: list[Any]) -> list[Any]:
    """Ordered value domain: the project's categories first, then any other observed value."""
    if project.label_type in NUMERIC_TYPES:
        return sorted({normalize_value(v) for v in observed if v is not None}, key=float)
    domain = [normalize_value(c) for c in (project.categories or [])]
    known = {value_key(v) for v in domain}
    extra = sorted({value_key(v) for v in observed} - known)
    return domain + [json.loads(k) for k in extra]


# Rows per string_agg block: a block's text stays a few MB at any project size.
_BLOCK_ITEMS_SHIFT = 16


def read_rows(*, columns: list[str], where: str, table: str, names: list[str], dtype: dict) -> pd.DataFrame:
    """Read rows as tab-separated text in a few large values, one `string_agg` per block of item ids.

    COPY TO sends one message per row, and reading a million of them costs psycopg seconds of Python;
    a handful of multi-megabyte values parse in C. Columns must be non-null (a NULL drops the row:
    COALESCE them) and hold no raw tab or newline (numbers and `jsonb::text` never do).
    """
    row = " || E'\\t' || ".join(f"({c})::text" for c in columns)
    sql = f"SELECT string_agg({row}, E'\\n') FROM {table} WHERE {where} GROUP BY item_id >> {_BLOCK_ITEMS_SHIFT}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        blocks = [block for (block,) in cursor.fetchall()]
    if not blocks:
        return pd.DataFrame({n: pd.Series(dtype=dtype.get(n, object)) for n in names})
    raw = "\n".join(blocks).encode()
    del blocks
    return pd.read_csv(
        io.BytesIO(raw),
        sep="\t",
        header=None,
        names=names,
        dtype=dtype,
        keep_default_na=False,
        quoting=csv.QUOTE_NONE,
    )


def _read_by_value(where: str) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Annotations grouped by value: each distinct JSON text once, then its (item, rater, version) rows.

    Returns the rows, each row's index into the texts, and the texts. Grouping by value sends the
    value once per distinct label instead of once per row; numeric projects, whose values are
    mostly distinct, read one row per annotation instead (`read_rows`).
    """
    sql = (
        "SELECT value::text, count(*), string_agg(item_id::text || E'\\t' || rater_id::text || E'\\t' || "
        f"COALESCE(instruction_version_id, -1)::text, E'\\n') FROM labeling_annotation WHERE {where} GROUP BY value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        groups = cursor.fetchall()
    names = ["item", "rater", "version"]
    if not groups:
        return pd.DataFrame({n: pd.Series(dtype=np.int64) for n in names}), np.zeros(0, dtype=np.int64), []
    raw = "\n".join(rows for _, _, rows in groups).encode()
    df = pd.read_csv(io.BytesIO(raw), sep="\t", header=None, names=names, dtype=np.int64, quoting=csv.QUOTE_NONE)
    text_index = np.repeat(np.arange(len(groups)), [count for _, count, _ in groups])
    return df, text_index, [text for text, _, _ in groups]


FrameScope = Literal["crowd", "gold"]


def annotation_frame(
    *, project: Project, item_ids: list[int] | None = None, scope: FrameScope = "crowd", machine: bool = False
) -> AnnotationFrame:
    """Every annotation of the project's regular items; with `scope="gold"`, of its gold items instead.

    Gold, exam and practice items are few, so their ids are read once and filtered in numpy: the big
    read of annotations needs no join with the items.
    """
    if scope not in ("crowd", "gold"):
        raise ValueError(f"unknown frame scope {scope!r}")
    where = f"project_id = {int(project.pk)}"
    if scope == "gold":
        gold = set(gold_item_ids(project_ids=[project.pk]))
        item_ids = sorted(gold if item_ids is None else gold.intersection(int(i) for i in item_ids))
    if item_ids is not None:
        ids = ",".join(str(int(i)) for i in item_ids) or "NULL"
        where += f" AND item_id IN ({ids})"
    if project.label_type in NUMERIC_TYPES:
        df = read_rows(
            columns=["item_id", "rater_id", "COALESCE(instruction_version_id, -1)", "value"],
            table="labeling_annotation",
            where=where,
            names=["item", "rater", "version", "value"],
            dtype={"item": np.int64, "rater": np.int64, "version": np.int64, "value": str},
        )
        text_index, texts = pd.factorize(df["value"]) if len(df) else (np.zeros(0, dtype=np.int64), [])
    else:
        df, text_index, texts = _read_by_value(where)
    excluded = np.array(non_crowd_item_ids(project_ids=[project.pk]) if scope == "crowd" else [], dtype=np.int64)
    if len(excluded):
        keep = ~df["item"].isin(excluded).to_numpy()
        df, text_index = df[keep], np.asarray(text_index)[keep]
    machine_key = machine_rater_for(project=project) if machine and scope == "crowd" else None
    if machine_key is not None:
        df, text_index, texts = _with_machine_votes(project, machine_key, df, np.asarray(text_index), list(texts))
    frame = frame_from_codes(
        project=project,
        item=df["item"].to_numpy(np.int64),
        rater=df["rater"].to_numpy(np.int64),
        version=df["version"].to_numpy(np.int64),
        text_index=np.asarray(text_index, dtype=np.int64),
        texts=list(texts),
    )
    if machine_key is not None:
        frame.extra["machine_raters"] = {MACHINE_RATER_ID: machine_key[2]}
    return frame


def _with_machine_votes(
    project: Project, key: tuple[str, str, str], df: pd.DataFrame, text_index: np.ndarray, texts: list[str]
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Append the model rater's vote on each item that has a person's vote (never alone: it does not open items)."""
    model, version, _ = key
    items = np.unique(df["item"].to_numpy(np.int64))
    if not len(items):
        return df, text_index, texts
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT item_id, value::text FROM labeling_prediction WHERE project_id = %s AND model = %s "
            "AND version = %s AND item_id = ANY(%s) ORDER BY item_id",
            [project.pk, model, version, items.tolist()],
        )
        rows = cursor.fetchall()
    if not rows:
        return df, text_index, texts
    position = {t: i for i, t in enumerate(texts)}
    extra_index = []
    for _, text in rows:
        if text not in position:
            position[text] = len(texts)
            texts.append(text)
        extra_index.append(position[text])
    votes = pd.DataFrame(
        {
            "item": np.array([r[0] for r in rows], dtype=np.int64),
            "rater": np.full(len(rows), MACHINE_RATER_ID, dtype=np.int64),
            "version": np.full(len(rows), -1, dtype=np.int64),
        }
    )
    merged = pd.concat([df[["item", "rater", "version"]], votes], ignore_index=True)
    return merged, np.concatenate([text_index.astype(np.int64), np.array(extra_index, dtype=np.int64)]), texts


def frame_from_codes(
    *,
    project: Project,
    item: np.ndarray,
    rater: np.ndarray,
    version: np.ndarray,
    text_index: np.ndarray,
    texts: list[str],
) -> AnnotationFrame:
    """Frame from each annotation's index into a list of distinct JSON texts."""
    decoded = [normalize_value(json.loads(t)) for t in texts]
    domain = project_domain(project=project, observed=decoded)
    position = {value_key(v): i for i, v in enumerate(domain)}
    text_code = np.array([position[value_key(v)] for v in decoded], dtype=np.int64)
    code = text_code[np.asarray(text_index, dtype=np.int64)] if len(texts) else np.zeros(0, dtype=np.int64)
    numeric = None
    if domain and all(isinstance(v, int | float) and not isinstance(v, bool) for v in domain):
        numeric = np.array([float(v) for v in domain])
    values = numeric[code] if numeric is not None and project.label_type in NUMERIC_TYPES else None
    return AnnotationFrame(
        item=np.asarray(item, dtype=np.int64),
        rater=np.asarray(rater, dtype=np.int64),
        version=np.asarray(version, dtype=np.int64),
        code=code,
        domain=domain,
        numeric=numeric,
        label_type=project.label_type,
        values=values,
    )
