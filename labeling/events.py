"""Payloads of labeling's outbox events (docs/webhooks.md) and the calls that emit them.

Each is called on one line from the service that made the change, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from config.outbox.services import event_emit, events_emit_many
from labeling.models import Annotation, Resolution
from labeling.selectors.completion import project_completion


def _stamp(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def resolution_payload(resolution: Resolution, external_id: str | None) -> dict:
    return {
        "resolution_id": resolution.pk,
        "project_id": resolution.project_id,
        "item_id": resolution.item_id,
        "item_external_id": external_id,
        "kind": resolution.kind,
        "method": resolution.method,
        "label": resolution.label,
        "confidence": resolution.confidence,
        "annotation_count": resolution.annotation_count,
        "needs_adjudication": resolution.needs_adjudication,
        "adjudication_reason": resolution.adjudication_reason,
        "supersedes": resolution.supersedes_id,
        "created_at": _stamp(resolution.created_at),
    }


def _resolution_type(resolution: Resolution) -> str:
    return "item.needs_adjudication" if resolution.needs_adjudication else "item.resolved"


def project_completed_check(*, project_id: int) -> None:
    """`project.completed` once per completion at a given item count (more items added later, done again,
    announce it again)."""
    complete, items = project_completion(project_id=project_id)
    if complete:
        event_emit(
            "project.completed",
            {"project_id": project_id, "crowd_items": items},
            project_id=project_id,
            dedupe_key=f"project.completed:{project_id}:{items}",
        )


def resolution_emit(*, resolution: Resolution) -> None:
    """One resolution appended (item_resolve, adjudication)."""
    payload = resolution_payload(resolution, resolution.item.external_id)
    event_emit(_resolution_type(resolution), payload, project_id=resolution.project_id)
    if not resolution.needs_adjudication:
        project_completed_check(project_id=resolution.project_id)


def resolutions_written_emit(*, project_id: int, item_ids: Iterable[int]) -> None:
    """A bulk resolution run wrote new current rows for these items: one event per item, in one INSERT."""
    ids = [int(i) for i in item_ids]
    if not ids:
        return
    rows = Resolution.objects.filter(project_id=project_id, item_id__in=ids, is_current=True).select_related("item")
    events_emit_many(
        (_resolution_type(r), resolution_payload(r, r.item.external_id), project_id) for r in rows.iterator(2000)
    )
    project_completed_check(project_id=project_id)


def annotation_created_emit(*, annotation: Annotation) -> None:
    event_emit(
        "annotation.created",
        {
            "annotation_id": annotation.pk,
            "project_id": annotation.project_id,
            "item_id": annotation.item_id,
            "rater_id": annotation.rater_id,
            "value": annotation.value,
            "source": annotation.source,
            "time_spent_ms": annotation.time_spent_ms,
            "instruction_version_id": annotation.instruction_version_id,
            "created_at": _stamp(annotation.created_at),
        },
        project_id=annotation.project_id,
    )
