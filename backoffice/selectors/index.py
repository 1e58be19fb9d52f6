"""The dashboard's landing page: every project with its headline numbers."""

from __future__ import annotations

from backoffice.cache import snapshot_get
from backoffice.selectors.common import Freshness
from labeling.models import Project
from labeling.selectors.resolution import adjudication_queue_sizes


def project_list() -> list[dict]:
    # Item totals come from the precomputed snapshots; the live queue count uses its partial index.
    projects = list(Project.objects.order_by("-is_active", "name"))
    queues = adjudication_queue_sizes(project_ids=[p.pk for p in projects])
    rows = []
    for project in projects:
        quality = snapshot_get(section="quality", scope=project.pk)
        overall = (quality or {}).get("data", {}).get("overall") or {}
        rows.append(
            {
                "project": project,
                "items": (quality or {}).get("data", {}).get("items_total"),
                "queue": queues.get(project.pk, 0),
                "annotations": (quality or {}).get("data", {}).get("annotations"),
                "alpha": overall.get("alpha"),
                "alpha_low": overall.get("low"),
                "alpha_high": overall.get("high"),
                "computed_at": (quality or {}).get("computed_at"),
                "age_text": Freshness(
                    section="quality", computed_at=quality["computed_at"], compute_seconds=0, project_id=project.pk
                ).age_text
                if quality
                else None,
            }
        )
    return rows
