"""Building a version: snapshot the definition, COPY the rows in, record the figures, freeze it.

The build is deliberately not one transaction: each chunk of rows is committed with the version's
`progress`, so the API can report progress while a Celery worker builds. The version stays
`building` (mutable, invisible to exports) until the last step flips it to `ready` in one
transaction; a failure deletes the partial rows and marks the version `failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError
from datasets.events import version_built_emit
from datasets.models import Dataset, DatasetVersion, ErasedSubject, ErasureSubjectKind, VersionStatus
from datasets.services.sources import COPY_COLUMNS, DIRECT_ONLY_EMPTY, sources_for
from datasets.services.summary import version_content_hash, version_summary

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]

CHUNK_SIZE = 20_000
# Share of the progress bar spent writing rows; the rest is hashing and counting.
ROWS_SHARE = 0.9
ANALYZE_AFTER_ROWS = 50_000


def dataset_definition_snapshot(*, dataset: Dataset) -> dict:
    """Everything the build reads from the definition, so a version records exactly what it used."""
    return {
        "name": dataset.name,
        "projects": [{"id": p.id, "name": p.name} for p in dataset.projects.order_by("id")],
        "direct_model": dataset.direct_model,
        "direct_rule_version": dataset.direct_rule_version,
        "filters": {
            "label_from": dataset.label_from.isoformat() if dataset.label_from else None,
            "label_to": dataset.label_to.isoformat() if dataset.label_to else None,
            "min_confidence": dataset.min_confidence,
            "instruction_versions": sorted(dataset.instruction_versions or []),
            "adjudicated_only": dataset.adjudicated_only,
            "exclude_erased_users": dataset.exclude_erased_users,
        },
        "split": {
            "train": dataset.train_fraction,
            "validation": dataset.validation_fraction,
            "test": dataset.test_fraction,
            "seed": dataset.split_seed,
        },
        "gold": dataset.gold,
        "max_label_age_seconds": dataset.max_label_age.total_seconds() if dataset.max_label_age else None,
        "drift_threshold": dataset.drift_threshold,
    }


@transaction.atomic
def dataset_version_create(*, dataset: Dataset) -> DatasetVersion:
    """Reserve the next version number (dataset row locked) with the latest ready version as parent."""
    if not dataset.projects.exists() and not dataset.direct_model:
        raise ApplicationError("The dataset has no source", {"dataset": dataset.name})
    Dataset.objects.select_for_update().get(pk=dataset.pk)
    versions = DatasetVersion.objects.filter(dataset=dataset)
    number = (versions.aggregate(top=Max("number"))["top"] or 0) + 1
    parent = versions.filter(status=VersionStatus.READY).order_by("-number").first()
    return DatasetVersion.objects.create(
        dataset=dataset, number=number, parent=parent, definition=dataset_definition_snapshot(dataset=dataset)
    )


def _copy_rows(rows: list[tuple]) -> None:
    columns = ", ".join(COPY_COLUMNS)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY datasets_datasetrow ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            # Human and gold rows stop before the direct-label-only columns at the end of COPY_COLUMNS.
            copy.write_row(row + DIRECT_ONLY_EMPTY if len(row) < len(COPY_COLUMNS) else row)


def _set_progress(version: DatasetVersion, progress: float) -> None:
    version.progress = round(min(max(progress, 0.0), 1.0), 4)
    DatasetVersion.objects.filter(pk=version.pk, status=VersionStatus.BUILDING).update(progress=version.progress)


def _drop_rows_erased_during_build(version: DatasetVersion) -> None:
    """An end user erased while this build ran: the erasure did not see this version's rows yet."""
    if not version.definition["filters"]["exclude_erased_users"]:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM datasets_datasetrow WHERE version_id = %s AND subjects && ARRAY(
                SELECT subject_token FROM datasets_erasedsubject WHERE subject_kind = %s)::varchar[]
            """,
            [version.pk, ErasureSubjectKind.FEEDBACK_USER.value],
        )


def dataset_version_build(
    *, version: DatasetVersion, chunk_size: int = CHUNK_SIZE, on_progress: ProgressCallback | None = None
) -> DatasetVersion:
    """Write the rows of a `building` version and freeze it. Not atomic on purpose (see module docstring)."""
    if version.status != VersionStatus.BUILDING:
        raise ConflictError("Only a building version can be built", {"status": version.status})
    try:
        erased = frozenset(ErasedSubject.objects.values_list("subject_token", flat=True))
        sources = sources_for(definition=version.definition, erased=erased)
        total = sum(source.count() for source in sources)
        written = 0
        for source in sources:
            for rows in source.chunks(version_id=version.pk, chunk_size=chunk_size):
                with transaction.atomic():
                    _copy_rows(rows)
                    written += len(rows)
                    _set_progress(version, ROWS_SHARE * written / max(total, 1))
                if on_progress:
                    on_progress(written, total)
        with transaction.atomic():
            _drop_rows_erased_during_build(version)
            summary = version_summary(version_id=version.pk)
            content_hash = version_content_hash(version_id=version.pk)
            DatasetVersion.objects.filter(pk=version.pk, status=VersionStatus.BUILDING).update(
                status=VersionStatus.READY, progress=1.0, built_at=timezone.now(), content_hash=content_hash, **summary
            )
            version_built_emit(version_id=version.pk)
    except Exception as exc:
        logger.exception("dataset version %s failed", version.pk)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM datasets_datasetrow WHERE version_id = %s", [version.pk])
            DatasetVersion.objects.filter(pk=version.pk, status=VersionStatus.BUILDING).update(
                status=VersionStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
        raise
    version.refresh_from_db()
    if version.row_count >= ANALYZE_AFTER_ROWS:
        # Fresh statistics let the export walk (version, id) in order instead of sorting the version.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE datasets_datasetrow")
    return version


def dataset_build(
    *, dataset: Dataset, chunk_size: int = CHUNK_SIZE, on_progress: ProgressCallback | None = None
) -> DatasetVersion:
    """Create and build a version in this process (management command, tests, benchmark)."""
    version = dataset_version_create(dataset=dataset)
    return dataset_version_build(version=version, chunk_size=chunk_size, on_progress=on_progress)


@transaction.atomic
def dataset_build_start(*, dataset: Dataset) -> DatasetVersion:
    """Create a version and hand the build to Celery once the version row is committed."""
    from datasets.tasks import build_dataset_version

    version = dataset_version_create(dataset=dataset)
    transaction.on_commit(lambda: build_dataset_version.delay(version.pk))
    return version
