"""Annotation listing over HTTP, and the OpenAPI schema documenting every labeling endpoint."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_bad_project_filter(api, rater):
    response = api(rater).get("/api/annotations/?project=abc")
    assert response.status_code == 400 and response.json()["extra"]["code"] == "invalid_filter"


def test_pagination(api, project, make_rater, add_items):
    from labeling.services.annotations import annotation_submit
    from labeling.services.assignment import assignment_lease_next

    add_items(project, 3)
    rater = make_rater(project)
    while (lease := assignment_lease_next(project=project, rater=rater)) is not None:
        annotation_submit(assignment_id=lease.pk, rater=rater, value="bird")
    page = api(rater).get("/api/annotations/?limit=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


def test_rater_sees_task_ids_staff_and_managers_see_ids(api, project, make_rater, add_items, staff):
    from labeling.services.annotations import annotation_submit
    from labeling.services.assignment import assignment_lease_next

    add_items(project, 1)
    rater = make_rater(project)
    manager = make_rater(project, role="manager")
    lease = assignment_lease_next(project=project, rater=rater)
    annotation_submit(assignment_id=lease.pk, rater=rater, value="bird")
    own = api(rater).get("/api/annotations/").json()["results"][0]
    assert own["task_id"] == str(lease.task_id)
    assert not {"item", "assignment", "rater", "client_time_spent_ms"} & set(own)
    for user in (manager, staff):
        row = api(user).get(f"/api/annotations/?project={project.pk}").json()["results"][0]
        assert row["item"] == lease.item_id and row["assignment"] == lease.pk and row["task_id"] == str(lease.task_id)


def test_schema_documents_every_endpoint(api, staff):
    schema = api(staff).get("/api/schema/?format=json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/auth/token/",
        "/api/projects/",
        "/api/projects/{project_id}/",
        "/api/projects/{project_id}/members/",
        "/api/projects/{project_id}/instructions/",
        "/api/projects/{project_id}/instructions/current/",
        "/api/projects/{project_id}/instructions/acknowledge/",
        "/api/projects/{project_id}/items/",
        "/api/projects/{project_id}/tasks/next/",
        "/api/tasks/{task_id}/submit/",
        "/api/tasks/{task_id}/skip/",
        "/api/annotations/",
    ):
        assert path in paths, path
    next_task = schema["paths"]["/api/projects/{project_id}/tasks/next/"]["post"]["responses"]
    assert {"200", "204"} <= set(next_task)
    task = schema["components"]["schemas"]["TaskOutput"]["properties"]
    assert "is_gold" not in task and "gold_value" not in task
    assert "item_id" not in task and "assignment_id" not in task and "task_id" in task
    assert not any(path.startswith("/api/assignments/") for path in paths)
