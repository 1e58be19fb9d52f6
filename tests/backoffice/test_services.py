"""Precompute service and tasks: snapshots in Redis with their age; recompute inline or queued."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from backoffice.cache import snapshot_get, snapshot_put
from backoffice.selectors.common import section_snapshot
from backoffice.services import dashboard_precompute_all, dashboard_recompute, dashboard_section_compute
from backoffice.tasks import dashboard_precompute
from backoffice.tasks import dashboard_recompute as recompute_task
from labeling.models import Annotation
from tests.backoffice.seed import seed_rte


@pytest.fixture
def project(shared_data, tmp_path):
    return seed_rte(rte_path=shared_data / "snow2008" / "rte.standardized.tsv", tmp=tmp_path, items_limit=60)


@pytest.mark.django_db
def test_precompute_all_caches_every_section(project):
    timings = dashboard_precompute_all()
    for section in ("quality", "raters", "cost", "diversity"):
        assert f"{section}:{project.pk}" in timings
        snapshot = snapshot_get(section=section, scope=project.pk)
        assert snapshot is not None and (timezone.now() - snapshot["computed_at"]).total_seconds() < 60
    assert snapshot_get(section="health", scope="all") is not None
    # The quality figures are about the crowd: annotations on gold items are not counted.
    crowd_annotations = project.annotations.filter(item__is_gold=False).count()
    assert 0 < crowd_annotations < project.annotations.count()
    assert snapshot_get(section="quality", scope=project.pk)["data"]["annotations"] == crowd_annotations


@pytest.mark.django_db
def test_pages_read_the_snapshot_not_the_database(project, django_assert_max_num_queries):
    dashboard_section_compute(section="quality", project=project)
    with django_assert_max_num_queries(0):
        data, freshness = section_snapshot(section="quality", project=project)
    assert data["overall"]["alpha"] is not None
    assert freshness.age_text == "just now" and not freshness.is_stale


@pytest.mark.django_db
def test_old_snapshot_is_flagged_stale(project):
    snapshot_put(section="cost", scope=project.pk, data={"x": 1}, seconds=0.1)
    key_snapshot = snapshot_get(section="cost", scope=project.pk)
    key_snapshot["computed_at"] -= timezone.timedelta(hours=2)
    from django.core.cache import cache

    from backoffice.cache import snapshot_key

    cache.set(snapshot_key("cost", project.pk), key_snapshot)
    _, freshness = section_snapshot(section="cost", project=project)
    assert freshness.is_stale and "hour" in freshness.age_text


@pytest.mark.django_db
def test_recompute_is_inline_when_cheap_and_queued_when_heavy(project, django_capture_on_commit_callbacks):
    message = dashboard_recompute(section="cost", project=project)
    assert message.startswith("Recomputed cost")
    snapshot_put(section="quality", scope=project.pk, data={}, seconds=120.0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = dashboard_recompute(section="quality", project=project)
    assert "queued" in message and len(callbacks) == 1
    with pytest.raises(ValueError):
        dashboard_recompute(section="nonsense", project=project)


@pytest.mark.django_db
def test_tasks_call_the_service(project):
    timings = dashboard_precompute.apply(kwargs={"sections": ["cost"]}).get()
    assert list(timings) == [f"cost:{project.pk}"]
    assert recompute_task.apply(args=["raters", project.pk]).get() >= 0
    assert snapshot_get(section="raters", scope=project.pk)["data"]["raters"]
    assert recompute_task.apply(args=["raters", 999_999]).get() is None


@pytest.mark.django_db
def test_beat_skips_unchanged_projects_until_data_changes(project):
    first = dashboard_precompute_all(sections=["quality", "cost"])
    assert set(first) == {f"quality:{project.pk}", f"cost:{project.pk}"}
    assert dashboard_precompute_all(sections=["quality", "cost"]) == {}
    assert set(dashboard_precompute_all(sections=["cost"], force=True)) == {f"cost:{project.pk}"}

    # Given a new label on the project, both sections are stale again.
    item = project.items.first()
    rater = get_user_model().objects.create_user("late-rater")
    Annotation.objects.create(project=project, item=item, rater=rater, value=project.categories[0])
    again = dashboard_precompute_all(sections=["quality", "cost"])
    assert set(again) == {f"quality:{project.pk}", f"cost:{project.pk}"}


def test_beat_schedule_names_registered_tasks():
    """A renamed task would leave beat sending a name no worker knows: the precompute would silently stop."""
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "backoffice.tasks.dashboard_precompute" in scheduled
    assert scheduled <= set(app.tasks)
