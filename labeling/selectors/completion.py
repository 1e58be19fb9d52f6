"""Whether a project's crowd work is all done: every crowd item has a current resolution that needs no human."""

from __future__ import annotations

from django.db import connection

from labeling.selectors.crowd_items import NON_CROWD_SQL

_OPEN_ITEM = f"""
SELECT EXISTS (
    SELECT 1 FROM labeling_item i
    WHERE i.project_id = %(project)s AND NOT {NON_CROWD_SQL}
      AND NOT EXISTS (
          SELECT 1 FROM labeling_resolution r
          WHERE r.item_id = i.id AND r.is_current AND NOT r.needs_adjudication
      )
), (SELECT count(*) FROM labeling_item WHERE project_id = %(project)s AND NOT {NON_CROWD_SQL})
"""


def project_completion(*, project_id: int) -> tuple[bool, int]:
    """(complete, crowd item count). A project with no crowd item is not complete."""
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_ITEM, {"project": project_id})
        open_left, items = cursor.fetchone()
    return (not open_left and items > 0), int(items)
