"""datasets/selectors/freshness.py: ages of the newest and median label against the requirement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from datasets.selectors.freshness import version_freshness
from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from tests.datasets.conftest import add_labeled_items


@pytest.mark.django_db
def test_newest_and_median_label_age_against_the_requirement(project, raters):
    # Given labels 1, 2 and 10 days old
    add_labeled_items(project, raters[:1], {"d1": "a"}, label_age=timedelta(days=1))
    add_labeled_items(project, raters[:1], {"d2": "a"}, label_age=timedelta(days=2))
    add_labeled_items(project, raters[:1], {"d10": "b"}, label_age=timedelta(days=10))
    dataset = dataset_create(name="ds-fresh", project_ids=[project.pk])
    version = dataset_build(dataset=dataset)
    now = timezone.now()

    assert version_freshness(version=version, now=now)["status"] == "unknown"

    def status(max_age: timedelta) -> dict:
        dataset.max_label_age = max_age
        dataset.save()
        version.dataset.refresh_from_db()
        return version_freshness(version=version, now=now)

    fresh = status(timedelta(days=3))
    assert fresh["status"] == "fresh"
    assert fresh["newest_age_seconds"] == pytest.approx(86400, abs=120)
    assert fresh["median_age_seconds"] == pytest.approx(2 * 86400, abs=120)
    assert status(timedelta(days=1, hours=12))["status"] == "aging"  # newest fine, median too old
    assert status(timedelta(hours=12))["status"] == "stale"  # even the newest label is too old
