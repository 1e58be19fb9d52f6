"""Erasure: the one change a built version accepts (docs/adr/0005-dataset-erasure.md).

An end user's direct-label rows are deleted from every version that holds them; a rater's pseudonym
is replaced by "erased" in the lineage of every human-label row (the aggregate label is not theirs
alone and stays). Each touched version gets new figures, a new content hash, and a `DatasetErasure`
record with the hash before and after. The database triggers let these statements through only
because this transaction sets `datasets.erasure = 'on'` (SET LOCAL).
"""

from __future__ import annotations

from django.db import connection, transaction

from datasets.models import DatasetErasure, DatasetVersion, ErasedSubject, ErasureSubjectKind
from datasets.services.pseudonyms import feedback_user_token, rater_derived_pseudonym, rater_token
from datasets.services.sources import ERASED
from datasets.services.summary import version_content_hash, version_summary


def _allow_erasure(on: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('datasets.erasure', %s, true)", ["on" if on else ""])


def _affected_versions(where: str, params: list) -> list[DatasetVersion]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT version_id FROM datasets_datasetrow WHERE {where}", params)
        version_ids = [row[0] for row in cursor.fetchall()]
    return list(DatasetVersion.objects.select_for_update().filter(pk__in=version_ids).order_by("pk"))


def _refresh_version(version: DatasetVersion) -> str:
    summary = version_summary(version_id=version.pk)
    content_hash = version_content_hash(version_id=version.pk)
    # The base manager skips the ORM guard; the trigger still checks the session variable.
    DatasetVersion._base_manager.filter(pk=version.pk).update(content_hash=content_hash, **summary)
    return content_hash


def _erase(*, kind: str, token: str, where: str, params: list, statement: str, statement_params: list) -> int:
    touched = 0
    _allow_erasure(True)
    try:
        for version in _affected_versions(where, params):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"{statement} WHERE version_id = %s AND ({where})", [*statement_params, version.pk, *params]
                )
                count = cursor.rowcount
            hash_after = _refresh_version(version)
            removed = count if kind == ErasureSubjectKind.FEEDBACK_USER else 0
            DatasetErasure.objects.create(
                version=version,
                subject_kind=kind,
                subject_token=token,
                rows_removed=removed,
                rows_redacted=count - removed,
                hash_before=version.content_hash,
                hash_after=hash_after,
            )
            touched += count
        ErasedSubject.objects.get_or_create(subject_token=token, defaults={"subject_kind": kind})
    finally:
        _allow_erasure(False)
    return touched


@transaction.atomic
def dataset_rows_erase_feedback_user(*, user_id: str) -> int:
    """Delete an end user's direct-label rows from every dataset version; returns the rows deleted."""
    token = feedback_user_token(user_id=user_id)
    return _erase(
        kind=ErasureSubjectKind.FEEDBACK_USER,
        token=token,
        where="subjects @> ARRAY[%s]::varchar[]",
        params=[token],
        statement="DELETE FROM datasets_datasetrow",
        statement_params=[],
    )


@transaction.atomic
def dataset_rows_erase_rater(*, user_id: int) -> int:
    """Redact a rater's pseudonym from every dataset version; returns the rows redacted."""
    from raters.models import RaterProfile

    pseudonyms = [rater_derived_pseudonym(user_id=user_id)]
    profile = RaterProfile.objects.filter(user_id=user_id).values_list("pseudonym", flat=True).first()
    if profile:
        pseudonyms.append(profile)
    return _erase(
        kind=ErasureSubjectKind.RATER,
        token=rater_token(user_id=user_id),
        where="rater_ids && %s::varchar[] OR decided_by = ANY(%s::varchar[])",
        params=[pseudonyms, pseudonyms],
        statement="""UPDATE datasets_datasetrow SET
            rater_ids = ARRAY(
                SELECT CASE WHEN r = ANY(%s::varchar[]) THEN %s ELSE r END
                FROM unnest(rater_ids) WITH ORDINALITY AS u(r, n) ORDER BY n
            ),
            decided_by = CASE WHEN decided_by = ANY(%s::varchar[]) THEN %s ELSE decided_by END""",
        statement_params=[pseudonyms, ERASED, pseudonyms, ERASED],
    )
