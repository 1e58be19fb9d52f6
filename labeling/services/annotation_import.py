"""Bring-your-own crowd data: import (item, rater, value) rows collected elsewhere.

Everything is written in bulk (COPY for items and annotations), so a million rows take seconds, and
through each table's one write path: the project by `project_create`, items by
`items.items_create_labeled`, memberships by `projects.memberships_add_imported`, annotations by
`annotation_rows.annotations_copy`.
Duplicate (item, rater) rows are never merged silently: by default the import is refused with the
list; `duplicates="first"` keeps the first row of each pair and `"skip"` drops every row of such a
pair, and either way the summary counts and lists them. Gold values are stored in `Item.gold_value`
for evaluation; they become quality-control gold (`is_gold=True`) only when asked (`gold_is_qc`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from config.accounts.usernames import username_normalize, username_problem
from config.exceptions import ApplicationError, ConflictError
from config.input_guard import InputRejected, csv_rows
from labeling.aggregation.frame import normalize_value
from labeling.models import AggregationMethod, LabelType, Project
from labeling.selectors.annotation_frame import NUMERIC_TYPES
from labeling.services.annotation_rows import IMPORT_COLUMNS, annotation_pairs_present, annotations_copy
from labeling.services.bulk_copy import Progress, copy_csv
from labeling.services.items import items_create_labeled
from labeling.services.projects import memberships_add_imported, project_create, project_update

REQUIRED_COLUMNS = ("item", "rater", "value")
DUPLICATE_POLICIES = ("error", "first", "skip")
LIST_LIMIT = 50
MULTI_SEPARATOR = "|"


@dataclass
class ImportSummary:
    project_id: int
    project: str
    label_type: str
    created_project: bool = False
    categories: list[Any] = field(default_factory=list)
    rows: int = 0
    imported: int = 0
    empty_values: int = 0
    duplicate_rows: int = 0
    duplicate_pairs: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    already_present: int = 0
    items_created: int = 0
    items_total: int = 0
    raters_created: int = 0
    raters_total: int = 0
    gold_rows: int = 0
    gold_unknown_items: list[str] = field(default_factory=list)
    gold_conflicts: list[str] = field(default_factory=list)
    gold_is_qc: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_table(
    source: str | IO,
    *,
    columns: list[str] | None = None,
    names: tuple[str, ...] = REQUIRED_COLUMNS,
    delimiter: str | None = None,
    extra: list[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV with the given header names (or `columns` mapped onto them), all values as text.

    The input guard reads it: bytes that are not UTF-8, a row of another width than the header and NUL
    characters are a 400 naming the byte or row (config.input_guard.csv_rows), before anything is stored.
    """
    if delimiter is None:
        name = source if isinstance(source, str) else getattr(source, "name", "") or ""
        delimiter = "\t" if str(name).endswith((".tsv", ".tab")) else ","
    if isinstance(source, str):
        with open(source, "rb") as stream:
            table = list(csv_rows(stream, delimiter=delimiter))
    else:
        table = list(csv_rows(getattr(source, "buffer", source), delimiter=delimiter))
    if not table:
        raise ApplicationError("The file is empty.", {"code": "empty_file", "field": "file", "reason": "no header"})
    df = pd.DataFrame(table[1:], columns=[c.strip() for c in table[0]], dtype=str)
    wanted = list(columns) if columns else list(names)
    missing = [c for c in wanted + list(extra or []) if c not in df.columns]
    if missing:
        raise ApplicationError("The file lacks required columns.", {"missing": missing, "found": list(df.columns)})
    out = df[wanted].copy()
    out.columns = list(names)
    for column in extra or []:
        out[column] = df[column].to_numpy()
    for column in out.columns:
        out[column] = out[column].str.strip()
    return out


def rater_username(rater_id: str, prefix: str = "crowd-") -> str:
    """A stable username within the username policy for an external rater id (a hash suffix keeps
    sanitized ids distinct)."""
    name = username_normalize(f"{prefix}{rater_id}")
    if username_problem(name) is None and name == f"{prefix}{rater_id}":
        return name
    clean = re.sub(r"[^A-Za-z0-9._-]", "_", rater_id)[:100]
    name = f"{prefix}{clean}-{hashlib.sha1(rater_id.encode()).hexdigest()[:8]}"
    problem = username_problem(name)
    if problem:
        raise InputRejected(f"The rater prefix makes usernames that {problem}.", field="rater_prefix", reason=problem)
    return name


def _as_number(text: str) -> int | float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not np.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def infer_categories(*, label_type: str, values: list[str]) -> list[Any]:
    """Categories from the data: numbers in numeric order when every value is a number, else text order."""
    if label_type in NUMERIC_TYPES:
        return []
    distinct = sorted(
        {part for v in values for part in (v.split(MULTI_SEPARATOR) if label_type == LabelType.MULTI else [v]) if part}
    )
    numbers = [_as_number(v) for v in distinct]
    if label_type == LabelType.ORDINAL and all(n is not None for n in numbers):
        return sorted(set(numbers))
    if all(n is not None for n in numbers):
        return sorted(distinct, key=float)
    return distinct


def value_parser(project: Project) -> Callable[[str], Any]:
    """Text -> stored label for the project's type; raises ValueError for a value outside the schema."""
    label_type = project.label_type
    if label_type in NUMERIC_TYPES:

        def parse_number(text: str) -> Any:
            number = _as_number(text)
            if number is None:
                raise ValueError(text)
            return number

        return parse_number
    by_text: dict[str, Any] = {}
    for category in project.categories or []:
        by_text[str(category)] = category
        number = _as_number(str(category))
        if number is not None:
            by_text.setdefault(str(number), category)

    def parse_category(text: str) -> Any:
        if text in by_text:
            return by_text[text]
        number = _as_number(text)
        if number is not None and str(number) in by_text:
            return by_text[str(number)]
        raise ValueError(text)

    if label_type == LabelType.MULTI:
        return lambda text: sorted((parse_category(p) for p in text.split(MULTI_SEPARATOR) if p), key=str)
    return parse_category


def _parse_column(project: Project, texts: pd.Series) -> pd.Series:
    """Map each distinct text once to its JSON form; list the invalid ones."""
    parse = value_parser(project)
    mapping: dict[str, str] = {}
    invalid: list[str] = []
    for text in texts.unique():
        try:
            mapping[text] = json.dumps(normalize_value(parse(text)), ensure_ascii=False)
        except ValueError:
            invalid.append(text)
    if invalid:
        raise ApplicationError(
            "Values outside the project's label schema.",
            {"invalid_values": invalid[:LIST_LIMIT], "invalid_count": len(invalid), "categories": project.categories},
        )
    return texts.map(mapping)


def _resolve_project(
    *,
    name: str,
    create: bool,
    label_type: str | None,
    categories: list[Any] | None,
    method: str | None,
    values: list[str],
    user: Any,
) -> tuple[Project, bool]:
    project = Project.objects.filter(name=name).first()
    if project is not None:
        if label_type and project.label_type != label_type:
            raise ApplicationError(
                "The project exists with another label type.", {"project": name, "label_type": project.label_type}
            )
        return project, False
    if not create:
        raise ApplicationError("No such project; pass create to make it.", {"project": name})
    if label_type not in LabelType.values:
        raise ApplicationError("A label type is required to create a project.", {"allowed": LabelType.values})
    if method is None:
        method = AggregationMethod.MEDIAN if label_type in NUMERIC_TYPES else AggregationMethod.MAJORITY
    project = project_create(
        name=name,
        label_type=label_type,
        categories=categories if categories is not None else infer_categories(label_type=label_type, values=values),
        aggregation_method=method,
        description="Imported annotations.",
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    return project, True


def _handle_duplicates(df: pd.DataFrame, policy: str, summary: ImportSummary) -> pd.DataFrame:
    if policy not in DUPLICATE_POLICIES:
        raise ApplicationError("Unknown duplicate policy.", {"allowed": list(DUPLICATE_POLICIES)})
    mask = df.duplicated(["item", "rater"], keep=False).to_numpy()
    if not mask.any():
        return df
    dups = df[mask]
    grouped = dups.groupby(["item", "rater"], sort=True)["value"].agg(list)
    summary.duplicate_rows = int(mask.sum())
    summary.duplicate_pairs = len(grouped)
    summary.duplicates = [
        {"item": item, "rater": rater, "values": values} for (item, rater), values in grouped.head(LIST_LIMIT).items()
    ]
    if policy == "error":
        raise ApplicationError(
            "Duplicate (item, rater) rows; choose how to treat them (first or skip).",
            {
                "duplicate_rows": summary.duplicate_rows,
                "duplicate_pairs": summary.duplicate_pairs,
                "duplicates": summary.duplicates,
            },
        )
    if policy == "first":
        return df[~df.duplicated(["item", "rater"], keep="first").to_numpy()]
    return df[~mask]


def _ensure_raters(project: Project, rater_ids: np.ndarray, prefix: str, summary: ImportSummary) -> dict[str, int]:
    user_model = get_user_model()
    names = {rater: rater_username(rater, prefix) for rater in rater_ids.tolist()}
    wanted = list(set(names.values()))
    existing: dict[str, int] = {}
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        existing.update(user_model.objects.filter(username__in=chunk).values_list("username", "id"))
    missing = [n for n in wanted if n not in existing]
    # A name that differs from an existing one only in case loses to the unique index on lower(username).
    user_model.objects.bulk_create(
        [user_model(username=n, password=make_password(None)) for n in missing], batch_size=2000, ignore_conflicts=True
    )
    summary.raters_created = len(missing)
    if missing:
        for start in range(0, len(missing), 5000):
            chunk = missing[start : start + 5000]
            existing.update(user_model.objects.filter(username__in=chunk).values_list("username", "id"))
    clashes = sorted(n for n in wanted if n not in existing)
    if clashes:
        raise ConflictError(
            "Rater ids differ from existing usernames only in case.",
            {"code": "username_taken", "field": "rater", "reason": "differs only in case", "usernames": clashes[:50]},
        )
    memberships_add_imported(project=project, user_ids=[existing[n] for n in wanted])
    summary.raters_total = len(wanted)
    return {rater: existing[name] for rater, name in names.items()}


def _apply_gold(project: Project, gold: pd.DataFrame, item_ids: dict, gold_is_qc: bool, summary: ImportSummary) -> None:
    gold = gold[gold["value"] != ""]
    conflicts = gold.groupby("item")["value"].nunique()
    summary.gold_conflicts = conflicts[conflicts > 1].index.tolist()[:LIST_LIMIT]
    if summary.gold_conflicts:
        raise ApplicationError("Conflicting gold values for an item.", {"items": summary.gold_conflicts})
    gold = gold.drop_duplicates("item")
    known = gold["item"].isin(item_ids.keys()).to_numpy()
    summary.gold_unknown_items = gold.loc[~known, "item"].tolist()[:LIST_LIMIT]
    gold = gold[known]
    values = _parse_column(project, gold["value"])
    ids = gold["item"].map(item_ids).astype(np.int64)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE import_gold (item_id bigint, value jsonb) ON COMMIT DROP")
    copy_csv(
        "import_gold",
        ["item_id", "value"],
        pd.DataFrame({"item_id": ids.to_numpy(), "value": values.to_numpy()}),
        None,
        "gold",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE labeling_item i SET gold_value = g.value, is_gold = (i.is_gold OR %s) "
            "FROM import_gold g WHERE i.id = g.item_id",
            [gold_is_qc],
        )
        cursor.execute("DROP TABLE import_gold")
    summary.gold_rows = len(gold)
    summary.gold_is_qc = gold_is_qc


@transaction.atomic
def annotations_import(
    *,
    project_name: str,
    rows: pd.DataFrame,
    gold: pd.DataFrame | None = None,
    create: bool = False,
    label_type: str | None = None,
    categories: list[Any] | None = None,
    method: str | None = None,
    duplicates: str = "error",
    gold_is_qc: bool = False,
    rater_prefix: str = "crowd-",
    user: Any = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import (item, rater, value) rows into a project, creating items, raters and memberships.

    Annotations already present for an (item, rater) pair are kept and counted, never overwritten.
    """
    if rows.empty:
        raise ApplicationError("The file has no rows.")
    summary_rows = len(rows)
    nonempty = rows["value"] != ""
    values_seen = rows.loc[nonempty, "value"].unique().tolist()
    project, created = _resolve_project(
        name=project_name,
        create=create,
        label_type=label_type,
        categories=categories,
        method=method,
        values=values_seen,
        user=user,
    )
    summary = ImportSummary(
        project_id=project.pk,
        project=project.name,
        label_type=project.label_type,
        created_project=created,
        categories=list(project.categories or []),
        rows=summary_rows,
        empty_values=int((~nonempty).sum()),
    )
    df = _handle_duplicates(rows[nonempty], duplicates, summary)
    df = df.assign(json=_parse_column(project, df["value"]))
    if progress is not None:
        progress("parsed", 0)

    rater_ids = _ensure_raters(project, df["rater"].unique(), rater_prefix, summary)
    items_before = project.items.filter(external_id__isnull=False).count()
    item_ids = items_create_labeled(project=project, external_ids=df["item"].unique().tolist(), progress=progress)
    summary.items_created = len(item_ids) - items_before
    summary.items_total = len(item_ids)
    frame = pd.DataFrame(
        {
            "project_id": project.pk,
            "item_id": df["item"].map(item_ids).to_numpy(np.int64),
            "rater_id": df["rater"].map(rater_ids).to_numpy(np.int64),
            "value": df["json"].to_numpy(),
            "source": "import",
            "created_at": timezone.now().isoformat(),
        }
    )[IMPORT_COLUMNS]
    present = annotation_pairs_present(project=project)
    if present:
        keys = pd.MultiIndex.from_frame(frame[["item_id", "rater_id"]])
        taken = keys.isin(pd.MultiIndex.from_tuples(present))
        summary.already_present = int(taken.sum())
        frame = frame[~taken]
    summary.imported = annotations_copy(project=project, rows=frame, progress=progress)
    if created:
        project_update(project=project, overlap=int(min(32767, max(1, df["item"].value_counts().max()))))
    if gold is not None and not gold.empty:
        _apply_gold(project, gold, item_ids, gold_is_qc, summary)
    return summary
