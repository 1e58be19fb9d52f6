"""Agreement over time and per value: the same alpha as `agreement_report`, cut by date and by label.

Staff watch whether agreement improves as raters learn and instructions change. The figures come from
the same annotation rows, value coding and estimator (labeling.aggregation.alpha) as the agreement report,
so the last cumulative point of the series is the report's alpha, to the digit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection

from labeling.aggregation import alpha as kalpha
from labeling.aggregation.alpha import rounded
from labeling.models import Annotation, Item, Project
from labeling.selectors.agreement import project_levels
from labeling.selectors.annotation_frame import NUMERIC_TYPES, frame_from_codes, read_rows
from labeling.selectors.crowd_items import NON_CROWD_SQL

MAX_BUCKETS = 40


def granularity_for(span: timedelta) -> str:
    """Days, weeks or months, whichever keeps the series at most MAX_BUCKETS points."""
    if span <= timedelta(days=MAX_BUCKETS):
        return "day"
    if span <= timedelta(weeks=MAX_BUCKETS):
        return "week"
    return "month"


def _where(project: Project) -> str:
    """The agreement report's rows: annotations on crowd items only (no gold, exam or practice items)."""
    pk = int(project.pk)
    return (
        f"project_id = {pk} AND item_id NOT IN (SELECT id FROM {Item._meta.db_table} "
        f"WHERE project_id = {pk} AND {NON_CROWD_SQL})"
    )


def _span(project: Project) -> timedelta:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT min(created_at), max(created_at) FROM {Annotation._meta.db_table} WHERE {_where(project)}"
        )
        first, last = cursor.fetchone()
    return (last - first) if first and last else timedelta(0)


def value_label(value: Any) -> str:
    """How a label value is named on a chart axis (strings bare, anything else as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "+".join(str(v) for v in value) or "(none)"
    return json.dumps(value)


def agreement_trend(*, project: Project, bootstrap: int = 1000) -> dict[str, Any]:
    """Cumulative alpha (95% bootstrap CI) per day, week or month, pair agreement per label value, and the
    95% bootstrap CI of alpha per instructions version (keyed by version id, None for no version)."""
    granularity = granularity_for(_span(project))
    df = read_rows(
        columns=[
            "item_id",
            "rater_id",
            "COALESCE(instruction_version_id, -1)",
            f"extract(epoch FROM date_trunc('{granularity}', created_at))::bigint",
            "value",
        ],
        table=Annotation._meta.db_table,
        where=_where(project),
        names=["item", "rater", "version", "bucket", "value"],
        dtype={"item": np.int64, "rater": np.int64, "version": np.int64, "bucket": np.int64, "value": str},
    )
    empty = {
        "level": project.measurement_level,
        "granularity": granularity,
        "over_time": [],
        "per_value": [],
        "version_ci": {},
    }
    if len(df) == 0:
        return empty
    text_index, texts = pd.factorize(df["value"])
    frame = frame_from_codes(
        project=project,
        item=df["item"].to_numpy(np.int64),
        rater=df["rater"].to_numpy(np.int64),
        version=df["version"].to_numpy(np.int64),
        text_index=np.asarray(text_index, dtype=np.int64),
        texts=list(texts),
    )
    levels = project_levels(project=project, frame=frame)
    level = project.measurement_level if project.measurement_level in levels else levels[-1]
    buckets = df["bucket"].to_numpy(np.int64)
    over_time = []
    for bucket in np.unique(buckets):
        upto = buckets <= bucket
        profiles = kalpha.profiles_from(frame.item[upto], frame.code[upto], frame.n_values)
        low, high, _ = kalpha.alpha_bootstrap(profiles, frame.numeric, level, bootstrap, seed=0)
        over_time.append(
            {
                "bucket": datetime.fromtimestamp(int(bucket), tz=UTC).date().isoformat(),
                "labels": int((buckets == bucket).sum()),
                "items": profiles.units,
                "alpha": rounded(kalpha.alpha_point(profiles, frame.numeric, level)),
                "low": rounded(low),
                "high": rounded(high),
            }
        )
    # The report's alpha per instructions version has no interval; "did the new version help?" needs one.
    version_ci = {}
    for version in np.unique(frame.version):
        mask = frame.version == version
        profiles = kalpha.profiles_from(frame.item[mask], frame.code[mask], frame.n_values)
        low, high, _ = kalpha.alpha_bootstrap(profiles, frame.numeric, level, bootstrap, seed=0)
        version_ci[None if version < 0 else int(version)] = {"low": rounded(low), "high": rounded(high)}
    per_value = []
    if project.label_type not in NUMERIC_TYPES:
        o = kalpha.coincidences(kalpha.profiles_from(frame.item, frame.code, frame.n_values))
        n_c = o.sum(axis=1)
        counts = np.bincount(frame.code, minlength=frame.n_values)
        per_value = [
            {
                "value": value,
                "label": value_label(value),
                "pair_agreement": rounded(o[c, c] / n_c[c]) if n_c[c] > 0 else None,
                "annotations": int(counts[c]),
            }
            for c, value in enumerate(frame.domain)
        ]
    return {
        "level": level,
        "granularity": granularity,
        "over_time": over_time,
        "per_value": per_value,
        "version_ci": version_ci,
    }
