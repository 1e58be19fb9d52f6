"""labeling/selectors/agreement_trend.py: cumulative alpha by day and pair agreement per value."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from labeling.models import Annotation, Item, Project
from labeling.selectors.agreement import agreement_report
from labeling.selectors.agreement_trend import agreement_trend

pytestmark = pytest.mark.django_db


def _label(project, raters, values, *, day, n, exam=False):
    at = timezone.now() - timedelta(days=10 - day)
    for _ in range(n):
        item = Item.objects.create(
            project=project, content_hash=f"h{Item.objects.count()}", payload={}, slots_open=0, is_exam=exam
        )
        for rater, value in zip(raters, values, strict=True):
            annotation = Annotation.objects.create(project=project, item=item, rater=rater, value=value)
            Annotation.objects.filter(pk=annotation.pk).update(created_at=at)


def test_series_and_per_value_agreement():
    # Given 4 unanimous items on day 1, 2 split items (a, a, b) on day 2, and an exam item on day 2
    project = Project.objects.create(name="trend", label_type="single", categories=["a", "b"], overlap=3)
    raters = [get_user_model().objects.create_user(f"r{i}") for i in range(3)]
    _label(project, raters, ["a", "a", "a"], day=1, n=4)
    _label(project, raters, ["a", "a", "b"], day=2, n=2)
    _label(project, raters, ["b", "b", "b"], day=2, n=1, exam=True)

    trend = agreement_trend(project=project, bootstrap=200)

    # Then there is one cumulative point per day; exam labels count nowhere
    assert trend["granularity"] == "day"
    assert [p["labels"] for p in trend["over_time"]] == [12, 6]
    assert [p["items"] for p in trend["over_time"]] == [4, 6]
    # Day 1 alone has a single value: alpha is undefined, not 1
    assert trend["over_time"][0]["alpha"] is None
    # The last point is the agreement report's alpha on the same labels
    report = agreement_report(project=project, bootstrap=0)
    assert trend["over_time"][-1]["alpha"] == report["alpha"]["nominal"]["alpha"]
    # Coincidences: o_aa = 4 * 3 + 2 * 1 = 14, o_ab = 2, o_bb = 0: "a" is matched 14 of 16 times, "b" never
    per_value = {row["label"]: row for row in trend["per_value"]}
    assert per_value["a"]["pair_agreement"] == 0.875 and per_value["b"]["pair_agreement"] == 0.0
    assert per_value["a"]["annotations"] == 16 and per_value["b"]["annotations"] == 2
    # Every label here has no instructions version: one interval, keyed None
    assert list(trend["version_ci"]) == [None]


def test_empty_project_has_no_series():
    project = Project.objects.create(name="empty", label_type="single", categories=["a", "b"])
    trend = agreement_trend(project=project)
    assert trend["over_time"] == [] and trend["per_value"] == []
