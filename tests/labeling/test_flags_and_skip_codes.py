"""Rater flags on items they were shown, staff replies, and skip reason codes."""

from __future__ import annotations

import uuid

import pytest

from labeling.models import Assignment, ItemFlag
from labeling.selectors.flags import flags_by_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(make_project, add_items, publish):
    project = make_project(overlap=2, flag_unclear_threshold=2)
    publish(project, "Label the animal.")
    add_items(project, 3)
    return project


def _task(api, rater, project):
    response = api(rater).post(f"/api/projects/{project.pk}/tasks/next/")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_rater_flags_an_item_they_hold_and_sees_the_staff_reply(flagged, make_rater, api, staff):
    rater = make_rater(flagged)
    task = _task(api, rater, flagged)
    response = api(rater).post(f"/api/tasks/{task['task_id']}/flag/", {"reason": "unclear"}, format="json")
    assert response.status_code == 201 and response.json()["instruction_version"] == 1
    again = api(rater).post(f"/api/tasks/{task['task_id']}/flag/", {"reason": "broken"}, format="json")
    assert again.status_code == 409 and again.json()["extra"]["code"] == "already_flagged"

    listing = api(staff).get(f"/api/projects/{flagged.pk}/flags/").json()
    assert listing["by_version"][0]["counts"]["unclear"] == 1 and not listing["by_version"][0]["unclear_signal"]
    flag_id = listing["flags"][0]["id"]
    assert rater.username not in str(listing)
    reply = api(staff).post(f"/api/flags/{flag_id}/reply/", {"reply": "Thanks, fixed in v2."}, format="json")
    assert reply.status_code == 200
    mine = api(rater).get("/api/flags/mine/").json()
    assert [f["reply"] for f in mine] == ["Thanks, fixed in v2."]


def test_a_flag_on_an_item_never_shown_is_404_not_shown(flagged, make_rater, api):
    # Given two raters; the intruder uses the other's task id, a random id, and garbage
    owner, intruder = make_rater(flagged), make_rater(flagged)
    task = _task(api, owner, flagged)
    for task_id in (task["task_id"], str(uuid.uuid4()), "1", "not-a-uuid"):
        response = api(intruder).post(f"/api/tasks/{task_id}/flag/", {"reason": "broken"}, format="json")
        assert response.status_code == 404 and response.json()["extra"]["code"] == "not_shown"
    assert not ItemFlag.objects.exists()


def test_a_rater_flags_an_item_they_held_before(flagged, make_rater, api):
    rater = make_rater(flagged)
    task = _task(api, rater, flagged)
    api(rater).post(f"/api/tasks/{task['task_id']}/submit/", {"value": "cat"}, format="json")
    response = api(rater).post(
        f"/api/tasks/{task['task_id']}/flag/", {"reason": "other", "text": "Two animals."}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "code"),
    [({"reason": "boring"}, "invalid_reason"), ({"reason": "other"}, "text_required"), ({}, "invalid")],
)
def test_bad_flags_are_refused(flagged, make_rater, api, body, code):
    rater = make_rater(flagged)
    task = _task(api, rater, flagged)
    response = api(rater).post(f"/api/tasks/{task['task_id']}/flag/", body, format="json")
    assert response.status_code == 400
    assert code == "invalid" or response.json()["extra"]["code"] == code
    assert not ItemFlag.objects.exists()


def test_unclear_flags_on_one_version_raise_the_signal(flagged, make_rater, api):
    raters = [make_rater(flagged) for _ in range(2)]
    for rater in raters:
        task = _task(api, rater, flagged)
        api(rater).post(f"/api/tasks/{task['task_id']}/flag/", {"reason": "unclear"}, format="json")
    [version] = flags_by_version(project=flagged)
    assert version.version == 1 and version.counts["unclear"] == 2 and version.unclear_signal


def test_a_rater_cannot_reply_or_read_the_projects_flags(flagged, make_rater, api):
    rater = make_rater(flagged)
    task = _task(api, rater, flagged)
    api(rater).post(f"/api/tasks/{task['task_id']}/flag/", {"reason": "broken"}, format="json")
    flag = ItemFlag.objects.get()
    assert api(rater).get(f"/api/projects/{flagged.pk}/flags/").status_code == 403
    response = api(rater).post(f"/api/flags/{flag.pk}/reply/", {"reply": "I fixed it myself"}, format="json")
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.reply == ""


def test_skip_takes_a_project_code_and_free_text_means_other(make_project, add_items, make_rater, api, staff):
    project = make_project(overlap=1, skip_reasons=[{"code": "too_long", "label": "Too long to read"}])
    add_items(project, 4)
    rater = make_rater(project)
    task = _task(api, rater, project)
    response = api(rater).post(f"/api/tasks/{task['task_id']}/skip/", {"code": "too_long"}, format="json")
    assert response.status_code == 200 and response.json()["skip_code"] == "too_long"
    task = _task(api, rater, project)
    response = api(rater).post(f"/api/tasks/{task['task_id']}/skip/", {"reason": "Not English."}, format="json")
    assert response.json()["skip_code"] == "other" and response.json()["skip_reason"] == "Not English."
    codes = sorted(Assignment.objects.filter(status="skipped").values_list("skip_code", flat=True))
    assert codes == ["other", "too_long"]


@pytest.mark.parametrize(
    ("body", "code"),
    [({"code": "bored"}, "unknown_skip_code"), ({"code": "other"}, "reason_required"), ({}, "reason_required")],
)
def test_bad_skip_codes_are_refused_and_the_task_stays_leased(make_project, add_items, make_rater, api, body, code):
    project = make_project(overlap=1)
    add_items(project, 1)
    rater = make_rater(project)
    task = _task(api, rater, project)
    response = api(rater).post(f"/api/tasks/{task['task_id']}/skip/", body, format="json")
    assert response.status_code == 400 and response.json()["extra"]["code"] == code
    assert Assignment.objects.get().status == "leased"


@pytest.mark.parametrize(
    "reasons",
    [
        [{"code": "other", "label": "x"}],
        [{"code": "a", "label": "x"}, {"code": "a", "label": "y"}],
        [{"code": "Bad Code", "label": "x"}],
        [{"code": "ok", "label": ""}],
        "unclear",
    ],
)
def test_bad_skip_code_settings_are_refused(make_project, api, staff, reasons):
    project = make_project()
    response = api(staff).patch(f"/api/projects/{project.pk}/", {"skip_reasons": reasons}, format="json")
    assert response.status_code == 400 and "skip_reasons" in response.json()["extra"]["fields"]
