"""Which items are crowd work: the one rule every figure and label derived from the crowd follows.

Gold items (known answer, served among regular items as a quality check), exam items and practice
items are not crowd work: their answers measure raters, they say nothing about the data. They never
get a Resolution, never enter the adjudication queue or the crowd's agreement figures, and never
reach a dataset as a crowd label (a dataset may export gold with its known answer, flagged). Every
reader of resolutions and annotations imports the predicate from here, so there is one definition.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q

from config.exceptions import ApplicationError
from labeling.models import Item

# SQL predicate on a labeling_item row (unqualified column names).
NON_CROWD_SQL = "(is_gold OR is_exam OR is_practice)"


def crowd_item_q(prefix: str = "") -> Q:
    """`Q` for regular items; `prefix` reaches the item through a relation, e.g. `crowd_item_q("item__")`."""
    return Q(**{f"{prefix}is_gold": False, f"{prefix}is_exam": False, f"{prefix}is_practice": False})


def is_crowd_item(item: Item) -> bool:
    return not (item.is_gold or item.is_exam or item.is_practice)


def crowd_item_require(*, item: Item) -> None:
    """Refuse to resolve or adjudicate a gold, exam or practice item (400, code `not_crowd_item`)."""
    if not is_crowd_item(item):
        kind = "gold" if item.is_gold else "exam" if item.is_exam else "practice"
        raise ApplicationError(
            f"A {kind} item measures raters; it is never resolved or adjudicated.",
            {"code": "not_crowd_item", "item_id": item.pk, "item_kind": kind},
        )


def non_crowd_item_ids(*, project_ids: Iterable[int]) -> list[int]:
    """Ids of the projects' gold, exam and practice items (few: a share of a project, read once per pass)."""
    ids = [int(p) for p in project_ids]
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM labeling_item WHERE project_id = ANY(%s) AND {NON_CROWD_SQL} ORDER BY id", [ids]
        )
        return [row[0] for row in cursor.fetchall()]


def gold_item_ids(*, project_ids: Iterable[int]) -> list[int]:
    """Ids of the projects' quality-control gold items with a known answer (exam and practice excluded)."""
    ids = [int(p) for p in project_ids]
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM labeling_item WHERE project_id = ANY(%s) AND is_gold AND NOT is_exam "
            "AND NOT is_practice AND gold_value IS NOT NULL AND gold_value <> 'null'::jsonb ORDER BY id",
            [ids],
        )
        return [row[0] for row in cursor.fetchall()]
