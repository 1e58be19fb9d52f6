"""Which figures each dashboard section precomputes (project-scoped and system-wide)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backoffice.figures.cost import cost_figures
from backoffice.figures.external import datasets_figures, datasets_stamp, diversity_figures, health_figures
from backoffice.figures.quality import quality_figures
from backoffice.figures.raters import rater_figures

PROJECT_SECTIONS: dict[str, Callable[..., Any]] = {
    "quality": quality_figures,
    "raters": rater_figures,
    "cost": cost_figures,
    "diversity": diversity_figures,
}
GLOBAL_SECTIONS: dict[str, Callable[..., Any]] = {
    "health": health_figures,
    "datasets": datasets_figures,
}
# A global section whose stamp changed since its snapshot (a dataset version was built, by any path) is stale.
GLOBAL_STAMPS: dict[str, Callable[[], Any]] = {"datasets": datasets_stamp}
