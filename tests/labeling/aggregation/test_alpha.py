"""Krippendorff's alpha without a database: the fast paths against the krippendorff package, and the levels."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest

from labeling.aggregation import alpha as kalpha


@pytest.mark.parametrize("level", kalpha.LEVELS)
def test_fast_coincidence_path_equals_the_package(level):
    rng = np.random.default_rng(7)
    data = rng.integers(1, 6, size=(6, 400)).astype(float)
    data[rng.random(data.shape) < 0.35] = np.nan
    raters, units = np.nonzero(~np.isnan(data))
    values = data[raters, units]
    domain = np.unique(values)
    codes = np.searchsorted(domain, values)
    profiles = kalpha.profiles_from(units, codes, len(domain))
    fast = float(kalpha.alpha_from_coincidences(kalpha.coincidences(profiles), domain, level))
    assert fast == pytest.approx(krippendorff.alpha(data, level_of_measurement=level), abs=1e-12)
    low, high, draws = kalpha.alpha_bootstrap(profiles, domain, level, 300)
    assert draws == 300 and low < fast < high


def test_alpha_undefined_when_every_value_is_the_same():
    profiles = kalpha.profiles_from(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0]), 1)
    assert kalpha.alpha_point(profiles, None, "nominal") is None
    o = kalpha.coincidences(kalpha.profiles_from(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]), 2))
    assert math.isnan(float(kalpha.alpha_from_coincidences(o, None, "nominal"))) is False


def test_levels_a_label_type_supports():
    numbers = np.array([-1.0, 0.0, 2.0])
    assert kalpha.applicable_levels(label_type="multi", measurement_level="ratio", numeric=numbers) == ["nominal"]
    assert kalpha.applicable_levels(label_type="ordinal", measurement_level="ordinal", numeric=None) == [
        "nominal",
        "ordinal",
    ]
    # Negative numbers have no ratio scale; labels without numbers have no interval one
    assert kalpha.applicable_levels(label_type="ratio", measurement_level="ratio", numeric=numbers)[-1] == "interval"
    assert kalpha.applicable_levels(label_type="interval", measurement_level="interval", numeric=None) == [
        "nominal",
        "ordinal",
    ]
