"""One rater's agreement over time and with each fellow rater, on crowd items only.

Gold, exam and practice items measure raters against a known answer (raters' gold checks); the figures
here compare a rater with the crowd, so they follow the crowd-item rule like every other crowd figure.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db import connection

from labeling.models import Annotation, Item, Project, Resolution
from labeling.selectors.crowd_items import NON_CROWD_SQL


def _crowd_items_of(project: Project) -> str:
    """SQL: annotation `a` is on a crowd item (the project's few non-crowd item ids, read by the index)."""
    return (
        f"a.item_id NOT IN (SELECT id FROM {Item._meta.db_table} "
        f"WHERE project_id = {int(project.pk)} AND {NON_CROWD_SQL})"
    )


def rater_daily_agreement(*, project: Project, rater_id: int) -> list[tuple[date, int, int, int]]:
    """Per UTC day: (day, answers equal to the current resolved label, different, item not resolved yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT (a.created_at AT TIME ZONE 'UTC')::date,
                       count(*) FILTER (WHERE a.value = r.label),
                       count(*) FILTER (WHERE r.label IS NOT NULL AND a.value <> r.label),
                       count(*) FILTER (WHERE r.label IS NULL)
                FROM {Annotation._meta.db_table} a
                LEFT JOIN {Resolution._meta.db_table} r ON r.item_id = a.item_id AND r.is_current
                WHERE a.project_id = %s AND a.rater_id = %s AND {_crowd_items_of(project)}
                GROUP BY 1 ORDER BY 1""",
            [project.pk, rater_id],
        )
        return cursor.fetchall()


def rater_partners(*, project: Project, rater_id: int, limit: int = 15) -> list[dict]:
    """The raters who labeled the most crowd items in common with this one, and how often they agreed."""
    table = Annotation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT b.rater_id, u.username, count(*), count(*) FILTER (WHERE a.value = b.value)
                FROM {table} a
                JOIN {table} b ON b.item_id = a.item_id AND b.rater_id <> a.rater_id
                JOIN {get_user_model()._meta.db_table} u ON u.id = b.rater_id
                WHERE a.project_id = %s AND a.rater_id = %s AND {_crowd_items_of(project)}
                GROUP BY 1, 2 ORDER BY count(*) DESC, b.rater_id LIMIT %s""",
            [project.pk, rater_id, limit],
        )
        return [
            {"rater_id": r, "username": name, "shared": n, "agreement": agree / n if n else None}
            for r, name, n, agree in cursor.fetchall()
        ]
