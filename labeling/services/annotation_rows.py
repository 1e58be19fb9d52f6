"""The only write path for Annotation rows and `Item.annotation_count`: one row from a rater, or a bulk import.

A rater's submit (`labeling.services.annotations.annotation_submit`) and an import of labels collected
elsewhere (`labeling.services.annotation_import`) both end here, so an annotation is stored one way
whichever door it came in by, and an item's count always equals its rows. `tests/test_write_paths.py`
fails if another module writes the table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db import IntegrityError, connection, transaction

from config.exceptions import ConflictError
from labeling.models import Annotation, Assignment, Item, Project
from labeling.services.bulk_copy import Progress, copy_csv

IMPORT_COLUMNS = ["project_id", "item_id", "rater_id", "value", "source", "created_at"]


def annotation_insert(
    *,
    project: Project,
    item: Item,
    rater: Any,
    assignment: Assignment | None,
    value: Any,
    instruction_version_id: int | None,
    time_spent_ms: int | None,
    source: str,
    client_time_spent_ms: int | None = None,
) -> Annotation:
    """Store one validated label and count it on its item (refreshing `item.annotation_count`).

    The caller has validated `value` and holds the assignment's row lock; the count's UPDATE then takes
    the item's (lock order assignment -> item). A second label of the same rater on the item is a 409.
    """
    try:
        with transaction.atomic():
            annotation = Annotation.objects.create(
                project=project,
                item=item,
                rater=rater,
                assignment=assignment,
                value=value,
                instruction_version_id=instruction_version_id,
                time_spent_ms=time_spent_ms,
                client_time_spent_ms=client_time_spent_ms,
                source=source,
            )
    except IntegrityError:
        raise ConflictError("You already labeled this item.", extra={"code": "already_submitted"})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE labeling_item SET annotation_count = annotation_count + 1 WHERE id = %s RETURNING annotation_count",
            [item.pk],
        )
        item.annotation_count = cursor.fetchone()[0]
    return annotation


def annotation_pairs_present(*, project: Project) -> list[tuple[int, int]]:
    """The (item_id, rater_id) pairs the project already has a label for."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT item_id, rater_id FROM labeling_annotation WHERE project_id = %s", [project.pk])
        return cursor.fetchall()


def annotations_copy(*, project: Project, rows: pd.DataFrame, progress: Progress | None = None) -> int:
    """COPY imported labels (columns IMPORT_COLUMNS, values as JSON text) and add them to their items' counts.

    The caller has validated the values, dropped pairs already present (`annotation_pairs_present`) and
    holds the import's transaction; the unique (item, rater) key refuses the import if a pair slipped in.
    """
    if rows.empty:
        return 0
    copy_csv("labeling_annotation", IMPORT_COLUMNS, rows, progress, "annotations")
    delta = rows["item_id"].value_counts()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE labeling_item i SET annotation_count = i.annotation_count + d.n "
            "FROM unnest(%s::bigint[], %s::int[]) AS d(id, n) WHERE i.id = d.id",
            [delta.index.tolist(), delta.to_numpy().tolist()],
        )
    return len(rows)


def annotation_revise(
    *,
    annotation: Annotation,
    review: Any,
    value: Any,
    instruction_version_id: int | None,
    time_spent_ms: int | None,
    client_time_spent_ms: int | None,
    source: str,
    now: Any,
) -> Annotation:
    """Replace a rejected label with the rater's correction, keeping the old one as an AnnotationRevision.

    The row keeps its id, so every aggregation, agreement figure and new dataset version reads the corrected
    value and the item's count does not move. The caller has validated `value` and holds the review's lock.
    """
    from labeling.models import AnnotationRevision

    AnnotationRevision.objects.create(
        annotation=annotation,
        review=review,
        value=annotation.value,
        instruction_version_id=annotation.instruction_version_id,
        time_spent_ms=annotation.time_spent_ms,
        source=annotation.source,
        labeled_at=annotation.created_at,
        replaced_at=now,
    )
    Annotation.objects.filter(pk=annotation.pk).update(
        value=value,
        instruction_version_id=instruction_version_id,
        time_spent_ms=time_spent_ms,
        client_time_spent_ms=client_time_spent_ms,
        source=source,
    )
    annotation.refresh_from_db()
    return annotation
