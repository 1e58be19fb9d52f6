"""Precompute the dashboard's heavy figures into the cache. Called by Celery beat and the recompute button.

Nothing here writes to the database: the figures are reads, stored in Redis with the time they were
computed, so every page renders from one cache read plus a few indexed queries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from backoffice.cache import snapshot_get, snapshot_put
from backoffice.figures.sections import GLOBAL_SECTIONS, GLOBAL_STAMPS, PROJECT_SECTIONS
from config.exceptions import NotFoundError
from datasets.models import Dataset, DatasetVersion
from datasets.services.build import dataset_version_create
from labeling.models import Annotation, Project, ProjectMembership, Resolution
from labeling.services.adjudication import resolution_adjudicate

logger = logging.getLogger(__name__)


# Beat recomputes a project section whose data did not change only once this old.
UNCHANGED_MAX_AGE_SECONDS = 3600


def project_stamp(*, project: Project) -> list:
    """A cheap fingerprint of what the project figures read: newest label, newest resolution, memberships.

    Each part is one index lookup, so beat can skip a big idle project instead of recomputing it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT (SELECT max(created_at) FROM {Annotation._meta.db_table} WHERE project_id = %(p)s),
                       (SELECT max(id) FROM {Resolution._meta.db_table} WHERE project_id = %(p)s),
                       (SELECT count(*) || ':' || coalesce(max(paused_at)::text, '') || ':'
                               || count(*) FILTER (WHERE status = 'paused')
                        FROM {ProjectMembership._meta.db_table} WHERE project_id = %(p)s)""",
            {"p": project.pk},
        )
        newest, resolution, memberships = cursor.fetchone()
    return [newest.isoformat() if newest else None, resolution, memberships]


def dashboard_section_compute(*, section: str, project: Project | None = None) -> dict:
    """Compute one section's figures now and cache them; returns the stored snapshot."""
    if section in PROJECT_SECTIONS:
        if project is None:
            raise ValueError(f"section {section!r} needs a project")
        compute: Callable[..., Any] = PROJECT_SECTIONS[section]
        stamp = project_stamp(project=project)
        started = time.perf_counter()
        data = compute(project=project)
        return snapshot_put(
            section=section, scope=project.pk, data=data, seconds=time.perf_counter() - started, stamp=stamp
        )
    if section in GLOBAL_SECTIONS:
        stamp = GLOBAL_STAMPS[section]() if section in GLOBAL_STAMPS else None
        started = time.perf_counter()
        data = GLOBAL_SECTIONS[section]()
        return snapshot_put(section=section, scope="all", data=data, seconds=time.perf_counter() - started, stamp=stamp)
    raise ValueError(f"unknown dashboard section {section!r}")


def _up_to_date(*, section: str, project: Project) -> bool:
    snapshot = snapshot_get(section=section, scope=project.pk)
    if snapshot is None or snapshot.get("stamp") is None:
        return False
    if (timezone.now() - snapshot["computed_at"]).total_seconds() > UNCHANGED_MAX_AGE_SECONDS:
        return False
    return snapshot["stamp"] == project_stamp(project=project)


def dashboard_precompute_all(*, sections: list[str] | None = None, force: bool = False) -> dict[str, float]:
    """Refresh every section of every active project; one failure is logged, not fatal to the rest.

    Project sections whose data did not change since their snapshot (same stamp, under an hour old) are
    skipped unless `force`.
    """
    timings: dict[str, float] = {}
    wanted = sections or [*PROJECT_SECTIONS, *GLOBAL_SECTIONS]
    for project in Project.objects.filter(is_active=True).order_by("pk"):
        for section in wanted:
            if section not in PROJECT_SECTIONS:
                continue
            if not force and _up_to_date(section=section, project=project):
                continue
            try:
                snapshot = dashboard_section_compute(section=section, project=project)
                timings[f"{section}:{project.pk}"] = snapshot["seconds"]
            except Exception:  # noqa: BLE001
                logger.exception("dashboard precompute failed for %s on project %s", section, project.pk)
    for section in wanted:
        if section in GLOBAL_SECTIONS:
            try:
                timings[f"{section}:all"] = dashboard_section_compute(section=section)["seconds"]
            except Exception:  # noqa: BLE001
                logger.exception("dashboard precompute failed for %s", section)
    return timings


def dashboard_recompute_request(*, section: str, project_id: int | None = None) -> None:
    """Queue a recompute after the current transaction commits (the button on every page)."""
    if section not in PROJECT_SECTIONS and section not in GLOBAL_SECTIONS:
        raise ValueError(f"unknown dashboard section {section!r}")
    from backoffice.tasks import dashboard_recompute

    transaction.on_commit(lambda: dashboard_recompute.delay(section, project_id))


# A section whose last computation took less than this is recomputed inside the request.
INLINE_RECOMPUTE_SECONDS = 2.0


def dashboard_recompute(*, section: str, project: Project | None = None) -> str:
    """The recompute button: cheap sections are refreshed at once, heavy ones are queued for a worker."""
    scope = project.pk if project is not None else "all"
    previous = snapshot_get(section=section, scope=scope)
    if previous is None or previous["seconds"] < INLINE_RECOMPUTE_SECONDS:
        snapshot = dashboard_section_compute(section=section, project=project)
        return f"Recomputed {section} in {snapshot['seconds']:.2f} s."
    dashboard_recompute_request(section=section, project_id=project.pk if project is not None else None)
    return f"Recompute of {section} queued (last run took {previous['seconds']:.0f} s)."


def dashboard_adjudicate(*, project: Project, resolution_id: int, label: Any, rationale: str, user) -> Any:
    """Decide a queued item through the adjudication service (labeling.services.adjudication).

    Passes the resolution the staff member saw, so a decision made meanwhile by someone else is
    refused (409) instead of silently overwritten.
    """
    if not Resolution.objects.filter(project=project, pk=resolution_id).exists():
        raise NotFoundError("No such resolution in this project.", {"resolution_id": resolution_id})
    return resolution_adjudicate(reviewer=user, label=label, rationale=rationale, resolution_id=resolution_id)


def dashboard_dataset_build_start(*, dataset: Dataset) -> DatasetVersion:
    """Reserve the next version and build it in a worker, which then refreshes the Datasets page's figures.

    The page polls the version's progress (datasets' own `progress` column) while the worker builds.
    """
    from backoffice.tasks import dashboard_dataset_build

    with transaction.atomic():
        version = dataset_version_create(dataset=dataset)
        transaction.on_commit(lambda: dashboard_dataset_build.delay(version.pk))
    return version
