"""The dashboards' cached alpha: computed from a resolve's frame and stored, the one writer of that cache key.

`project_resolve` calls it after its transaction commits, so the bootstrap's thousand draws run with
the project's advisory lock already released: a resolve or adjudication of the same project never
waits for them. `labeling.selectors.agreement.alpha_cached` reads the result.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

from labeling.aggregation.alpha import alpha_summary
from labeling.aggregation.frame import AnnotationFrame
from labeling.models import Project
from labeling.selectors.agreement import alpha_cache_key, project_levels

logger = logging.getLogger(__name__)


def alpha_cache_refresh(*, project: Project, frame: AnnotationFrame, bootstrap: int = 1000) -> dict[str, Any]:
    """Alpha at the project's level, with its bootstrap interval, cached until the next refit."""
    levels = project_levels(project=project, frame=frame)
    level = project.measurement_level if project.measurement_level in levels else levels[-1]
    figures = {"level": level, **alpha_summary(frame, [level], bootstrap)[level]}
    try:
        cache.set(alpha_cache_key(project.pk), figures, timeout=None)
    except Exception:  # noqa: BLE001 - a cache outage must not fail a resolve
        logger.warning("could not cache alpha for project %s", project.pk, exc_info=True)
    return figures
