"""A project's consensus method and its aggregation of a frame: the project's settings fed to the pure math.

Shared by the resolution services (which store the result) and the agreement selectors (which only
report it), so both apply one rule for which method a project's label type admits.
"""

from __future__ import annotations

from config.exceptions import ApplicationError
from labeling.aggregation import methods
from labeling.aggregation.aggregators import Aggregate
from labeling.aggregation.frame import AnnotationFrame
from labeling.models import AggregationMethod, Project


def effective_method(*, project: Project, method: str | None = None) -> str:
    """The method actually applicable to the project's label type (`labeling.aggregation.methods`)."""
    method = method or project.aggregation_method
    try:
        return methods.effective_method(label_type=project.label_type, method=method)
    except methods.UnknownMethod:
        raise ApplicationError("Unknown aggregation method.", {"method": method, "allowed": AggregationMethod.values})


def aggregate(*, project: Project, frame: AnnotationFrame, method: str) -> Aggregate:
    """Fit `method` on the frame, with numeric confidence measured against the project's scale."""
    scale = None
    if project.min_value is not None and project.max_value is not None:
        scale = float(project.max_value - project.min_value)
    return methods.aggregate(frame, method, scale=scale)
