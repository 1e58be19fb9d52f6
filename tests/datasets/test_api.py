"""datasets/api/views.py: staff-only definitions, builds through Celery with progress, versions, diff, export."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from config import celery_app
from datasets.models import DatasetVersion, VersionStatus
from datasets.services.build import dataset_build


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="ds-staff", password="x", is_staff=True)


@pytest.fixture
def client(staff):
    api = APIClient()
    api.force_authenticate(staff)
    return api


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_raters_and_anonymous_users_are_refused(dataset, raters):
    anonymous = APIClient()
    assert anonymous.get("/api/datasets/").status_code in (401, 403)
    rater = APIClient()
    rater.force_authenticate(raters[0])
    assert rater.get("/api/datasets/").status_code == 403
    assert rater.get(f"/api/datasets/{dataset.name}/").status_code == 403
    assert rater.post(f"/api/datasets/{dataset.name}/versions/").status_code == 403


@pytest.mark.django_db
def test_create_dataset_and_reject_bad_split(client, labeled_project):
    response = client.post(
        "/api/datasets/",
        {"name": "api-set", "project_ids": [labeled_project.pk], "max_label_age": "2 00:00:00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["project_ids"] == [labeled_project.pk] and response.json()["train_fraction"] == 0.8

    bad = client.post(
        "/api/datasets/",
        {"name": "bad-set", "project_ids": [labeled_project.pk], "train_fraction": 0.9, "test_fraction": 0.2},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["message"].startswith("Split fractions")
    assert client.post("/api/datasets/", {"name": "api-set", "project_ids": [labeled_project.pk]}).status_code == 409


@pytest.mark.django_db
def test_build_runs_through_celery_and_reports_progress(
    client, dataset, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/datasets/{dataset.name}/versions/")
    assert response.status_code == 202
    assert response.json()["number"] == 1 and response.json()["status"] == "building"

    detail = client.get(f"/api/datasets/{dataset.name}/versions/1/").json()
    assert detail["status"] == "ready" and detail["progress"] == 1.0 and detail["row_count"] == 30
    assert detail["label_distribution"] == pytest.approx({"a": 2 / 3, "b": 1 / 3})
    assert detail["freshness"]["status"] == "fresh" and detail["drift"]["parent"] is None
    assert detail["definition"]["projects"][0]["name"] == "ds-project"

    overview = client.get(f"/api/datasets/{dataset.name}/").json()
    assert [v["number"] for v in overview["versions"]] == [1]


@pytest.mark.django_db
def test_progress_of_a_building_version_is_visible(client, dataset):
    from datasets.services.build import dataset_version_create

    version = dataset_version_create(dataset=dataset)
    DatasetVersion.objects.filter(pk=version.pk).update(progress=0.42)
    detail = client.get(f"/api/datasets/{dataset.name}/versions/{version.number}/").json()
    assert detail["status"] == VersionStatus.BUILDING and detail["progress"] == 0.42 and detail["drift"] is None


@pytest.mark.django_db
def test_export_download_streams_parquet(client, dataset):
    version = dataset_build(dataset=dataset)
    response = client.get(f"/api/datasets/{dataset.name}/versions/1/export/parquet/")
    assert response.status_code == 200 and response.streaming
    assert response["X-Content-SHA256"] == version.content_hash
    assert 'filename="ds-human-v1.parquet"' in response["Content-Disposition"]
    table = pq.read_table(pa.BufferReader(b"".join(response.streaming_content)))
    assert table.num_rows == 30

    jsonl = client.get(f"/api/datasets/{dataset.name}/versions/1/export/jsonl/")
    assert len(b"".join(jsonl.streaming_content).splitlines()) == 30
    assert client.get(f"/api/datasets/{dataset.name}/versions/1/export/xlsx/").status_code == 400
    assert client.get(f"/api/datasets/{dataset.name}/versions/9/export/csv/").status_code == 404


@pytest.mark.django_db
def test_diff_endpoint(client, dataset):
    dataset_build(dataset=dataset)
    dataset_build(dataset=dataset)
    diff = client.get(f"/api/datasets/{dataset.name}/diff/", {"old": 1, "new": 2}).json()
    assert (diff["added"], diff["removed"], diff["relabeled"], diff["unchanged"]) == (0, 0, 0, 30)
    assert diff["label_distance"] == 0.0 and diff["warning"] is False
    assert client.get(f"/api/datasets/{dataset.name}/diff/").status_code == 400
