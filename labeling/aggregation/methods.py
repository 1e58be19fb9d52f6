"""Which consensus method a label type admits, and the dispatch from a method's name to its aggregator.

The names are the values of `labeling.models.AggregationMethod` and `LabelType`, spelled here as plain
strings so this package stays free of Django.
"""

from __future__ import annotations

from labeling.aggregation import aggregators
from labeling.aggregation.frame import AnnotationFrame

MAJORITY, WEIGHTED, DAWID_SKENE, MEDIAN, MEAN = "majority", "weighted", "dawid_skene", "median", "mean"
METHODS = (MAJORITY, WEIGHTED, DAWID_SKENE, MEDIAN, MEAN)
RELIABILITY_METHODS = (WEIGHTED, DAWID_SKENE)
NUMERIC_LABEL_TYPES = ("interval", "ratio")


class UnknownMethod(ValueError):
    """A method name outside METHODS."""


def effective_method(*, label_type: str, method: str) -> str:
    """The method actually applicable to a label type.

    Numbers have no confusion matrix: reliability methods fall back to the median for interval and
    ratio labels; multi-label sets are resolved by majority over identical sets; single-choice
    labels have no order, so median and mean become majority.
    """
    if method not in METHODS:
        raise UnknownMethod(method)
    if label_type in NUMERIC_LABEL_TYPES and method in RELIABILITY_METHODS:
        return MEDIAN
    if label_type == "multi":
        return MAJORITY
    if label_type == "single" and method in (MEDIAN, MEAN):
        return MAJORITY
    return method


def aggregate(frame: AnnotationFrame, method: str, *, scale: float | None = None) -> aggregators.Aggregate:
    """Fit `method` on the whole frame; `scale` (max - min of the scale) sets numeric confidence's tolerance."""
    if scale is not None:
        frame.extra["scale"] = float(scale)
    if method == DAWID_SKENE:
        return aggregators.dawid_skene(frame)
    if method == WEIGHTED:
        return aggregators.wawa(frame)
    if method == MEDIAN:
        return aggregators.median(frame)
    if method == MEAN:
        return aggregators.mean(frame)
    return aggregators.majority_vote(frame)
