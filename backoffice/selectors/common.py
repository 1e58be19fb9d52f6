"""Helpers every page selector uses: cached snapshots and how fresh they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.timesince import timesince

from backoffice.cache import snapshot_get
from labeling.models import Annotation, Project

# Beat refreshes every few minutes; figures older than this are flagged on the page.
STALE_AFTER_SECONDS = 30 * 60


@dataclass(frozen=True)
class Freshness:
    section: str
    computed_at: datetime
    compute_seconds: float
    project_id: int | None

    @property
    def age_seconds(self) -> float:
        return (timezone.now() - self.computed_at).total_seconds()

    @property
    def age_text(self) -> str:
        if self.age_seconds < 60:
            return "just now"
        return f"{timesince(self.computed_at)} ago"

    @property
    def is_stale(self) -> bool:
        return self.age_seconds > STALE_AFTER_SECONDS


# A project with fewer labels than this gets missing figures computed inside the request (about a second).
INLINE_COMPUTE_MAX_ANNOTATIONS = 100_000
PENDING_SECONDS = 600


class FiguresPending(Exception):
    """A big project's figures are not in the cache yet; a worker is computing them."""

    def __init__(self, section: str, project: Project | None) -> None:
        super().__init__(section)
        self.section = section
        self.project = project


def _small(project: Project | None) -> bool:
    if project is None:
        return True
    sample = Annotation.objects.filter(project=project).values("pk")[: INLINE_COMPUTE_MAX_ANNOTATIONS + 1]
    return sample.count() <= INLINE_COMPUTE_MAX_ANNOTATIONS


def _stamp_changed(section: str, snapshot: dict) -> bool:
    from backoffice.figures.sections import GLOBAL_STAMPS

    stamp = GLOBAL_STAMPS.get(section)
    return stamp is not None and snapshot.get("stamp") != stamp()


def section_snapshot(*, section: str, project: Project | None = None) -> tuple[dict, Freshness]:
    """The cached figures of a section.

    Never computed yet (new project, flushed cache): small projects are computed on the spot; for big
    ones a worker is asked once (deduplicated for ten minutes) and FiguresPending is raised, so no
    request ever blocks on a big computation.
    """
    scope = project.pk if project is not None else "all"
    snapshot = snapshot_get(section=section, scope=scope)
    if snapshot is not None and project is None and _stamp_changed(section, snapshot):
        snapshot = None  # e.g. a dataset version was built since: the figures would hide it
    if snapshot is None:
        from backoffice.services import dashboard_recompute_request, dashboard_section_compute

        if not _small(project):
            if cache.add(f"dashboard:pending:{section}:{scope}", True, PENDING_SECONDS):
                dashboard_recompute_request(section=section, project_id=project.pk)
            raise FiguresPending(section, project)
        snapshot = dashboard_section_compute(section=section, project=project)
    freshness = Freshness(
        section=section,
        computed_at=snapshot["computed_at"],
        compute_seconds=snapshot["seconds"],
        project_id=project.pk if project is not None else None,
    )
    return snapshot["data"], freshness


def ci_pairs(rows: list[dict]) -> list[tuple[float, float] | None]:
    return [(r["low"], r["high"]) if r.get("low") is not None else None for r in rows]
