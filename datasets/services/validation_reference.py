"""A validation reference from a dataset version: feature statistics of its rows, and the schema inferred.

The features of a row are its direct-label feature snapshot, or the item payload of a human label. Rows
are read in keyset pages by id so memory stays flat whatever the version's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import orjson
from django.db import connection, transaction

from config.exceptions import ConflictError
from datasets.models import DatasetVersion, ValidationReference, ValidationSchema, VersionStatus
from datasets.services.validation_schema import validation_schema_create
from feedback.statistics.profile import profile_build
from feedback.statistics.schema import schema_infer

PAGE = 5000

_PAGE_SQL = """
SELECT id, coalesce(features, input) FROM datasets_datasetrow
WHERE version_id = %s AND id > %s ORDER BY id LIMIT %s
"""
_LABELS_SQL = """
SELECT model_version, count(*) FILTER (WHERE jsonb_typeof(label) = 'number' AND (label #>> '{}')::float8 > 0),
       count(*)
FROM datasets_datasetrow WHERE version_id = %s AND source = 'direct' GROUP BY 1
"""


def _snapshots(version_id: int, on_progress: Callable[[int], None] | None) -> Iterator[dict | None]:
    after, seen = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(_PAGE_SQL, [version_id, after, PAGE])
            page = cursor.fetchall()
        if not page:
            return
        for _, features in page:
            if isinstance(features, str | bytes):  # Django's raw cursor leaves jsonb as text
                features = orjson.loads(features)
            yield features if isinstance(features, dict) else None
        after = page[-1][0]
        seen += len(page)
        if on_progress:
            on_progress(seen)


@transaction.atomic
def validation_reference_build(
    *, version: DatasetVersion, user=None, on_progress: Callable[[int], None] | None = None
) -> ValidationSchema:
    """Statistics of a ready version (computed once: versions are immutable) and a new inferred schema version."""
    if version.status != VersionStatus.READY:
        raise ConflictError(
            "Only a ready dataset version can be a reference", {"code": "version_not_ready", "status": version.status}
        )
    reference = ValidationReference.objects.filter(version=version).first()
    if reference is None:
        profile = profile_build(_snapshots(version.pk, on_progress))
        with connection.cursor() as cursor:
            cursor.execute(_LABELS_SQL, [version.pk])
            labels = {model_version or "": [int(pos), int(n)] for model_version, pos, n in cursor.fetchall()}
        reference = ValidationReference.objects.create(
            version=version, rows=profile.rows, statistics=profile.to_bytes(), label_counts=labels, created_by=user
        )
    else:
        from feedback.statistics.profile import Profile

        profile = Profile.from_bytes(reference.statistics)
    return validation_schema_create(
        dataset=version.dataset, reference=reference, features=schema_infer(profile),
        note=f"inferred from version {version.number}", user=user,
    )  # fmt: skip
