"""The rater loop over HTTP: next task, submit, skip; error shapes; gold looks like any task."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from labeling.models import Annotation, Assignment, AssignmentStatus, Item
from labeling.services.items import items_import

pytestmark = pytest.mark.django_db

TASK_KEYS = {
    "task_id",
    "project_id",
    "payload",
    "leased_at",
    "expires_at",
    "instruction_version",
    "review_comment",
    "previous_value",
    "suggestion",
}


def _next(client, project):
    return client.post(f"/api/projects/{project.pk}/tasks/next/")


def test_next_submit_until_204(api, project, make_rater, publish):
    publish(project)
    items_import(project=project, records=[{"external_id": "a", "payload": {"text": "A"}}, {"payload": {"text": "B"}}])
    rater = make_rater(project)
    client = api(rater)
    values = []
    while (response := _next(client, project)).status_code == 200:
        task = response.json()
        assert set(task) == TASK_KEYS and task["instruction_version"] == 1
        submitted = client.post(
            f"/api/tasks/{task['task_id']}/submit/", {"value": "cat", "time_spent_ms": 1500}, format="json"
        )
        assert submitted.status_code == 201, submitted.content
        values.append(submitted.json()["value"])
        assert submitted.json()["instruction_version"] == 1
    assert response.status_code == 204 and values == ["cat", "cat"]
    assert Annotation.objects.filter(rater=rater).count() == 2


def test_gold_task_looks_like_any_other(api, make_project, make_rater):
    project = make_project(overlap=1, gold_ratio=1.0)
    items_import(
        project=project,
        records=[{"payload": {"text": "G"}, "is_gold": True, "gold_value": "cat", "gold_explanation": "secret"}],
    )
    items_import(project=project, records=[{"payload": {"text": "R"}}])
    client = api(make_rater(project))
    gold_task = _next(client, project)
    assert gold_task.status_code == 200
    body = gold_task.json()
    assert Assignment.objects.get(task_id=body["task_id"]).item.is_gold
    assert set(body) == TASK_KEYS
    assert "secret" not in gold_task.content.decode() and "gold" not in gold_task.content.decode()
    submitted = client.post(f"/api/tasks/{body['task_id']}/submit/", {"value": "dog"}, format="json")
    assert submitted.status_code == 201
    assert "gold" not in submitted.content.decode()
    assert set(submitted.json()) == {
        "id",
        "project",
        "task_id",
        "value",
        "instruction_version",
        "time_spent_ms",
        "source",
        "created_at",
    }
    assert submitted.json()["task_id"] == body["task_id"]


def _lease(api, project, make_rater, publish=None):
    items_import(project=project, records=[{"payload": {"text": "A"}}])
    rater = make_rater(project)
    client = api(rater)
    return client, rater, _next(client, project).json()["task_id"]


def _assert_error(response, status: int, code: str | None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "extra"} and body["message"]
    if code is not None:
        assert body["extra"]["code"] == code


def _nothing_stored() -> None:
    assert not Annotation.objects.exists()
    assert not Assignment.objects.filter(status=AssignmentStatus.SUBMITTED).exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"value": "horse"}, 400, "invalid_value"),
        ({"value": ["cat"]}, 400, "invalid_value"),
        ({"value": None}, 400, None),  # null is not a label
        ({}, 400, None),
        ({"value": "cat", "time_spent_ms": "soon"}, 400, None),
        ({"value": "cat", "time_spent_ms": -5}, 400, None),
    ],
)
def test_submit_bad_input(api, project, make_rater, body, status, code):
    client, _, task_id = _lease(api, project, make_rater)
    _assert_error(client.post(f"/api/tasks/{task_id}/submit/", body, format="json"), status, code)
    _nothing_stored()


def test_submit_not_json(api, project, make_rater):
    client, _, task_id = _lease(api, project, make_rater)
    response = client.post(f"/api/tasks/{task_id}/submit/", "{oops", content_type="application/json")
    _assert_error(response, 400, None)
    _nothing_stored()


def test_submit_someone_elses_or_unknown_lease(api, project, make_rater):
    _, _, task_id = _lease(api, project, make_rater)
    intruder = api(make_rater(project))
    _assert_error(
        intruder.post(f"/api/tasks/{task_id}/submit/", {"value": "cat"}, format="json"),
        404,
        "task_not_found",
    )
    guessed = str(uuid.uuid4())
    response = intruder.post(f"/api/tasks/{guessed}/submit/", {"value": "cat"}, format="json")
    _assert_error(response, 404, "task_not_found")
    _assert_error(intruder.post(f"/api/tasks/{task_id}/skip/", {"reason": "x"}, format="json"), 404, "task_not_found")
    _nothing_stored()
    assert Assignment.objects.get(task_id=task_id).status == AssignmentStatus.LEASED


def test_submit_expired_lease(api, project, make_rater):
    client, _, task_id = _lease(api, project, make_rater)
    Assignment.objects.filter(task_id=task_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_error(client.post(f"/api/tasks/{task_id}/submit/", {"value": "cat"}, format="json"), 409, "lease_expired")
    _nothing_stored()


def test_second_submission(api, project, make_rater):
    client, _, task_id = _lease(api, project, make_rater)
    assert client.post(f"/api/tasks/{task_id}/submit/", {"value": "cat"}, format="json").status_code == 201
    _assert_error(
        client.post(f"/api/tasks/{task_id}/submit/", {"value": "dog"}, format="json"),
        409,
        "already_submitted",
    )
    assert list(Annotation.objects.values_list("value", flat=True)) == ["cat"]


def test_instructions_not_acknowledged(api, project, make_rater, publish):
    items_import(project=project, records=[{"payload": 1}])
    publish(project)
    rater = make_rater(project, acknowledge=False)
    client = api(rater)
    _assert_error(_next(client, project), 403, "instructions_not_acknowledged")
    assert not Assignment.objects.exists()
    assert client.post(f"/api/projects/{project.pk}/instructions/acknowledge/").status_code == 200
    task = _next(client, project).json()
    publish(project, "v2")
    _assert_error(
        client.post(f"/api/tasks/{task['task_id']}/submit/", {"value": "cat"}, format="json"),
        403,
        "instructions_not_acknowledged",
    )
    _nothing_stored()


def test_unknown_project_and_non_integer_ids(api, project, make_rater):
    client = api(make_rater(project))
    _assert_error(client.post("/api/projects/999999/tasks/next/"), 404, "project_not_found")
    assert client.post("/api/assignments/abc/submit/", {"value": "cat"}, format="json").status_code == 404
    assert client.post("/api/projects/abc/tasks/next/").status_code == 404


def test_skip_over_api(api, project, make_rater):
    client, rater, task_id = _lease(api, project, make_rater)
    _assert_error(client.post(f"/api/tasks/{task_id}/skip/", {}, format="json"), 400, None)
    _assert_error(client.post(f"/api/tasks/{task_id}/skip/", {"reason": " "}, format="json"), 400, None)
    response = client.post(f"/api/tasks/{task_id}/skip/", {"reason": "broken image"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "skipped"
    assert _next(client, project).status_code == 204
    assert Item.objects.get().slots_open == project.overlap


def test_paused_rater_gets_403(api, project, make_rater):
    client, rater, _ = _lease(api, project, make_rater)
    project.memberships.filter(user=rater).update(status="paused", pause_reason="too fast")
    _assert_error(_next(client, project), 403, "paused")


def test_instructions_changed_while_typing_is_409_and_not_saved(api, project, make_rater, publish):
    items_import(project=project, records=[{"payload": {"text": "A"}}])
    publish(project, "v1")
    rater = make_rater(project)
    client = api(rater)
    task = _next(client, project).json()
    assert task["instruction_version"] == 1
    publish(project, "v2")
    assert client.post(f"/api/projects/{project.pk}/instructions/acknowledge/").status_code == 200
    response = client.post(
        f"/api/tasks/{task['task_id']}/submit/", {"value": "cat", "instruction_version": 1}, format="json"
    )
    _assert_error(response, 409, "instructions_changed")
    assert "not saved" in response.json()["message"]
    _nothing_stored()
    again = _next(client, project).json()
    assert again["task_id"] == task["task_id"] and again["instruction_version"] == 2
    saved = client.post(
        f"/api/tasks/{task['task_id']}/submit/", {"value": "cat", "instruction_version": 2}, format="json"
    )
    assert saved.status_code == 201 and saved.json()["instruction_version"] == 2


def test_client_time_is_a_hint_only(api, project, make_rater):
    client, rater, task_id = _lease(api, project, make_rater)
    response = client.post(f"/api/tasks/{task_id}/submit/", {"value": "cat", "time_spent_ms": 45000}, format="json")
    assert response.status_code == 201
    annotation = Annotation.objects.get(rater=rater)
    assert annotation.client_time_spent_ms == 45000 and annotation.time_spent_ms < 45000
    assert response.json()["time_spent_ms"] == annotation.time_spent_ms
