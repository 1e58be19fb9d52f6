"""Which method a label type admits, the dispatch to the aggregators, and the package's independence of Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from labeling.aggregation import methods
from labeling.aggregation.frame import AnnotationFrame

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("label_type", "method", "expected"),
    [
        ("single", "dawid_skene", "dawid_skene"),
        ("single", "median", "majority"),
        ("multi", "weighted", "majority"),
        ("ordinal", "median", "median"),
        ("interval", "dawid_skene", "median"),
        ("ratio", "mean", "mean"),
    ],
)
def test_effective_method(label_type, method, expected):
    assert methods.effective_method(label_type=label_type, method=method) == expected


def test_an_unknown_method_is_refused():
    with pytest.raises(methods.UnknownMethod):
        methods.effective_method(label_type="single", method="plurality")


def test_aggregate_dispatches_and_measures_numeric_confidence_on_the_scale():
    # Given three numbers per item on a 0..100 scale
    values = np.array([10.0, 12.0, 50.0, 70.0, 71.0, 72.0])
    domain = sorted(set(values.tolist()))
    frame = AnnotationFrame(
        item=np.array([1, 1, 1, 2, 2, 2]),
        rater=np.array([1, 2, 3, 1, 2, 3]),
        version=np.full(6, -1),
        code=np.searchsorted(domain, values),
        domain=domain,
        numeric=np.array(domain),
        label_type="interval",
        values=values,
    )
    # When the median is taken with the project's scale, then within 10 of the median counts as agreeing
    agg = methods.aggregate(frame, "median", scale=100.0)
    assert agg.method == "median" and agg.label_number.tolist() == [12.0, 71.0]
    assert agg.confidence.tolist() == pytest.approx([2 / 3, 1.0])


def test_the_package_loads_without_django():
    code = (
        "import sys, labeling.aggregation.alpha, labeling.aggregation.methods, labeling.aggregation.dawid_skene; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
