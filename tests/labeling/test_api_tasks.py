"""The rater loop over HTTP: next task, submit, skip; error shapes; gold looks like any task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from labeling.models import Annotation, Assignment, AssignmentStatus, Item
from labeling.services.items import items_import

pytestmark = pytest.mark.django_db

TASK_KEYS = {"assignment_id", "project_id", "item_id", "payload", "leased_at", "expires_at", "instruction_version"}


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
            f"/api/assignments/{task['assignment_id']}/submit/", {"value": "cat", "time_spent_ms": 1500}, format="json"
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
    assert Item.objects.get(pk=body["item_id"]).is_gold
    assert set(body) == TASK_KEYS
    assert "secret" not in gold_task.content.decode() and "gold" not in gold_task.content.decode()
    submitted = client.post(f"/api/assignments/{body['assignment_id']}/submit/", {"value": "dog"}, format="json")
    assert submitted.status_code == 201
    assert "gold" not in submitted.content.decode()


def _lease(api, project, make_rater, publish=None):
    items_import(project=project, records=[{"payload": {"text": "A"}}])
    rater = make_rater(project)
    client = api(rater)
    return client, rater, _next(client, project).json()["assignment_id"]


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
    client, _, assignment_id = _lease(api, project, make_rater)
    _assert_error(client.post(f"/api/assignments/{assignment_id}/submit/", body, format="json"), status, code)
    _nothing_stored()


def test_submit_not_json(api, project, make_rater):
    client, _, assignment_id = _lease(api, project, make_rater)
    response = client.post(f"/api/assignments/{assignment_id}/submit/", "{oops", content_type="application/json")
    _assert_error(response, 400, None)
    _nothing_stored()


def test_submit_someone_elses_or_unknown_lease(api, project, make_rater):
    _, _, assignment_id = _lease(api, project, make_rater)
    intruder = api(make_rater(project))
    _assert_error(
        intruder.post(f"/api/assignments/{assignment_id}/submit/", {"value": "cat"}, format="json"),
        404,
        "assignment_not_found",
    )
    _assert_error(
        intruder.post(f"/api/assignments/{assignment_id + 1000}/submit/", {"value": "cat"}, format="json"),
        404,
        "assignment_not_found",
    )
    _assert_error(intruder.post(f"/api/assignments/{assignment_id}/skip/", {"reason": "x"}, format="json"), 404, None)
    _nothing_stored()
    assert Assignment.objects.get(pk=assignment_id).status == AssignmentStatus.LEASED


def test_submit_expired_lease(api, project, make_rater):
    client, _, assignment_id = _lease(api, project, make_rater)
    Assignment.objects.filter(pk=assignment_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_error(
        client.post(f"/api/assignments/{assignment_id}/submit/", {"value": "cat"}, format="json"), 409, "lease_expired"
    )
    _nothing_stored()


def test_second_submission(api, project, make_rater):
    client, _, assignment_id = _lease(api, project, make_rater)
    assert client.post(f"/api/assignments/{assignment_id}/submit/", {"value": "cat"}, format="json").status_code == 201
    _assert_error(
        client.post(f"/api/assignments/{assignment_id}/submit/", {"value": "dog"}, format="json"),
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
        client.post(f"/api/assignments/{task['assignment_id']}/submit/", {"value": "cat"}, format="json"),
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
    client, rater, assignment_id = _lease(api, project, make_rater)
    _assert_error(client.post(f"/api/assignments/{assignment_id}/skip/", {}, format="json"), 400, None)
    _assert_error(client.post(f"/api/assignments/{assignment_id}/skip/", {"reason": " "}, format="json"), 400, None)
    response = client.post(f"/api/assignments/{assignment_id}/skip/", {"reason": "broken image"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "skipped"
    assert _next(client, project).status_code == 204
    assert Item.objects.get().slots_open == project.overlap


def test_paused_rater_gets_403(api, project, make_rater):
    client, rater, _ = _lease(api, project, make_rater)
    project.memberships.filter(user=rater).update(status="paused", pause_reason="too fast")
    _assert_error(_next(client, project), 403, "paused")
