"""Permission matrix over every endpoint of the labeling API: anonymous, rater on the project,
rater on another project, staff. Plus blinding: raters never read other projects' items or other raters' labels."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from config.accounts.services import token_issue
from labeling.models import Annotation, Assignment, Project
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "other", "staff")


@dataclass
class World:
    project: Project
    other_project: Project
    member: object
    other: object
    staff: object
    lease_id: int
    task_id: str


@pytest.fixture
def world(make_project, make_rater, make_user, add_items, publish, staff) -> World:
    project = make_project(name="p-main", overlap=3)
    other_project = make_project(name="p-other", overlap=3)
    publish(project)
    add_items(project, 5)
    add_items(other_project, 5)
    member = make_rater(project, name="member")
    other = make_rater(other_project, name="other")
    lease = assignment_lease_next(project=project, rater=member)
    return World(project, other_project, member, other, staff, lease.pk, str(lease.task_id))


def _p(w: World) -> str:
    return f"/api/projects/{w.project.pk}"


# (name, method, url, body, expected status for anonymous / member / other / staff)
MATRIX = [
    ("project list", "get", lambda w: "/api/projects/", None, (401, 200, 200, 200)),
    (
        "project create",
        "post",
        lambda w: "/api/projects/",
        lambda w: {"name": "new", "label_type": "single", "categories": ["a", "b"]},
        (401, 403, 403, 201),
    ),
    ("project detail", "get", lambda w: f"{_p(w)}/", None, (401, 200, 404, 200)),
    ("project update", "patch", lambda w: f"{_p(w)}/", lambda w: {"description": "x"}, (401, 403, 404, 200)),
    ("members list", "get", lambda w: f"{_p(w)}/members/", None, (401, 403, 404, 200)),
    (
        "members add",
        "post",
        lambda w: f"{_p(w)}/members/",
        lambda w: {"user_id": w.other.pk},
        (401, 403, 404, 201),
    ),
    ("instructions list", "get", lambda w: f"{_p(w)}/instructions/", None, (401, 200, 404, 200)),
    ("instructions current", "get", lambda w: f"{_p(w)}/instructions/current/", None, (401, 200, 404, 200)),
    (
        "instructions publish",
        "post",
        lambda w: f"{_p(w)}/instructions/",
        lambda w: {"body": "v2"},
        (401, 403, 404, 201),
    ),
    ("instructions acknowledge", "post", lambda w: f"{_p(w)}/instructions/acknowledge/", None, (401, 200, 404, 200)),
    ("items list", "get", lambda w: f"{_p(w)}/items/", None, (401, 403, 404, 200)),
    (
        "items import",
        "post",
        lambda w: f"{_p(w)}/items/",
        lambda w: [{"payload": {"text": "new"}}],
        (401, 403, 404, 200),
    ),
    # Staff are not raters: without a membership they get a refusal, not a task.
    ("task next", "post", lambda w: f"{_p(w)}/tasks/next/", None, (401, 200, 404, 403)),
    (
        "task submit",
        "post",
        lambda w: f"/api/tasks/{w.task_id}/submit/",
        lambda w: {"value": "cat"},
        (401, 201, 404, 404),
    ),
    (
        "task skip",
        "post",
        lambda w: f"/api/tasks/{w.task_id}/skip/",
        lambda w: {"reason": "unclear"},
        (401, 200, 404, 404),
    ),
    ("annotations list", "get", lambda w: "/api/annotations/", None, (401, 200, 200, 200)),
]


def _client(world: World, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        key, _expiry = token_issue(user=getattr(world, role))
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "body", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_permission_matrix(world, role, name, method, url, body, expected):
    client = _client(world, role)
    response = getattr(client, method)(url(world), body(world) if body else None, format="json")
    assert response.status_code == expected[ROLES.index(role)], (role, response.content)
    if response.status_code >= 400:
        assert set(response.json()) == {"message", "extra"}


def test_token_endpoint_is_open_and_checks_credentials(world):
    client = APIClient()
    bad = client.post("/api/auth/token/", {"username": "member", "password": "wrong"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"message", "extra"}
    good = client.post("/api/auth/token/", {"username": "member", "password": "pw-123456789"}, format="json")
    assert good.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {good.json()['token']}")
    assert client.get("/api/projects/").status_code == 200


def test_rater_lists_only_their_projects(world):
    data = _client(world, "member").get("/api/projects/").json()
    assert [p["name"] for p in data["results"]] == ["p-main"]
    assert "gold_ratio" not in data["results"][0]
    staff = _client(world, "staff").get("/api/projects/").json()
    assert {p["name"] for p in staff["results"]} == {"p-main", "p-other"}


def test_raters_never_read_other_raters_annotations(world, make_rater):
    peer = make_rater(world.project, name="peer")
    lease = assignment_lease_next(project=world.project, rater=peer)
    annotation_submit(assignment_id=lease.pk, rater=peer, value="dog")
    annotation_submit(assignment_id=world.lease_id, rater=world.member, value="cat")
    lease_other = assignment_lease_next(project=world.other_project, rater=world.other)
    annotation_submit(assignment_id=lease_other.pk, rater=world.other, value="bird")

    mine = _client(world, "member").get("/api/annotations/").json()["results"]
    assert [(a["task_id"], a["value"]) for a in mine] == [(world.task_id, "cat")]
    assert "rater" not in mine[0] and "item" not in mine[0]
    filtered = _client(world, "other").get(f"/api/annotations/?project={world.project.pk}").json()["results"]
    assert filtered == []
    everything = _client(world, "staff").get("/api/annotations/").json()
    assert everything["count"] == Annotation.objects.count() == 3
    by_project = _client(world, "staff").get(f"/api/annotations/?project={world.other_project.pk}").json()
    assert [a["value"] for a in by_project["results"]] == ["bird"]


def test_raters_never_read_items_of_another_project(world):
    other = _client(world, "other")
    assert other.get(f"{_p(world)}/items/").status_code == 404
    assert other.post(f"{_p(world)}/tasks/next/").status_code == 404
    task = other.post(f"/api/projects/{world.other_project.pk}/tasks/next/").json()
    assert Assignment.objects.get(task_id=task["task_id"]).item.project_id == world.other_project.pk


def test_reviewer_and_manager_roles(world, make_rater):
    reviewer = make_rater(world.project, role="reviewer", name="reviewer")
    manager = make_rater(world.project, role="manager", name="manager")
    annotation_submit(assignment_id=world.lease_id, rater=world.member, value="cat")
    rev, man = APIClient(), APIClient()
    rev.force_authenticate(reviewer)
    man.force_authenticate(manager)
    assert rev.get(f"{_p(world)}/items/").status_code == 200
    assert rev.post(f"{_p(world)}/items/", [{"payload": "x"}], format="json").status_code == 403
    assert [a["value"] for a in rev.get("/api/annotations/").json()["results"]] == ["cat"]
    assert man.post(f"{_p(world)}/instructions/", {"body": "v2"}, format="json").status_code == 201
    assert man.post(f"{_p(world)}/items/", [{"payload": "x"}], format="json").status_code == 200
    # A manager may not make other managers, and may not edit the project itself.
    assert man.post(f"{_p(world)}/members/", {"user_id": world.other.pk, "role": "manager"}).status_code == 403
    assert man.patch(f"{_p(world)}/", {"description": "x"}, format="json").status_code == 403
    # Nothing on another project.
    assert man.get(f"/api/projects/{world.other_project.pk}/items/").status_code == 404
