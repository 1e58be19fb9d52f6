"""Projects and members over HTTP."""

from __future__ import annotations

import pytest

from labeling.models import Project, ProjectMembership

pytestmark = pytest.mark.django_db


def test_staff_creates_project_with_schema(api, staff):
    response = api(staff).post(
        "/api/projects/",
        {"name": "sentiment", "label_type": "ordinal", "categories": [1, 2, 3, 4, 5], "overlap": 5, "gold_ratio": 0.1},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["measurement_level"] == "ordinal" and body["overlap"] == 5 and body["gold_ratio"] == 0.1
    assert Project.objects.get(name="sentiment").created_by == staff


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "label_type": "single", "categories": ["only-one"]}, "categories"),
        ({"name": "x", "label_type": "single", "categories": ["a", "a"]}, "categories"),
        ({"name": "x", "label_type": "interval", "categories": ["a", "b"]}, "categories"),
        ({"name": "x", "label_type": "interval", "min_value": 5, "max_value": 1}, "max_value"),
        ({"name": "x", "label_type": "ratio", "min_value": -1}, "min_value"),
        ({"name": "x", "label_type": "single", "categories": ["a", "b"], "gold_ratio": 2}, "gold_ratio"),
        ({"name": "x", "label_type": "single", "categories": ["a", "b"], "overlap": 0}, "overlap"),
        ({"name": "x", "label_type": "colour"}, "label_type"),
        ({"label_type": "single", "categories": ["a", "b"]}, "name"),
        ({"name": "x", "label_type": "single", "categories": ["a", "b"], "overlap": "three"}, "overlap"),
    ],
)
def test_invalid_project_is_refused(api, staff, body, field):
    response = api(staff).post("/api/projects/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    assert not Project.objects.exists()


def test_duplicate_name(api, staff, make_project):
    make_project(name="taken")
    response = api(staff).post(
        "/api/projects/", {"name": "taken", "label_type": "single", "categories": ["a", "b"]}, format="json"
    )
    assert response.status_code == 400 and response.json()["extra"]["code"] == "duplicate_name"


def test_update_and_schema_lock(api, staff, project, rater, add_items):
    from labeling.services.annotations import annotation_submit
    from labeling.services.assignment import assignment_lease_next

    client = api(staff)
    assert (
        client.patch(f"/api/projects/{project.pk}/", {"lease_seconds": 120}, format="json").json()["lease_seconds"]
        == 120
    )
    add_items(project, 1)
    lease = assignment_lease_next(project=project, rater=rater)
    annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    response = client.patch(f"/api/projects/{project.pk}/", {"categories": ["x", "y"]}, format="json")
    assert response.status_code == 400 and response.json()["extra"]["code"] == "schema_locked"
    project.refresh_from_db()
    assert project.categories == ["cat", "dog", "bird"]


def test_members_add_is_idempotent(api, staff, project, make_user):
    client = api(staff)
    user = make_user()
    for _ in range(2):
        response = client.post(f"/api/projects/{project.pk}/members/", {"username": user.username}, format="json")
        assert response.status_code == 201 and response.json()["role"] == "rater"
    assert ProjectMembership.objects.filter(project=project, user=user).count() == 1
    listed = client.get(f"/api/projects/{project.pk}/members/").json()
    assert [m["username"] for m in listed["results"]] == [user.username]
    missing = client.post(f"/api/projects/{project.pk}/members/", {"username": "nobody"}, format="json")
    assert missing.status_code == 404 and missing.json()["extra"]["code"] == "user_not_found"
    neither = client.post(f"/api/projects/{project.pk}/members/", {"role": "rater"}, format="json")
    assert neither.status_code == 400
