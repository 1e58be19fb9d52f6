"""Projects and members over HTTP."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from labeling.models import Project, ProjectMembership
from labeling.services.projects import membership_add

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


def _members(project) -> str:
    return f"/api/projects/{project.pk}/members/"


def test_managers_cannot_overrule_staff_on_manager_roles(api, staff, project, make_rater, make_user):
    # Given a manager, a second manager, and a superuser who is also a manager of the project
    manager = make_rater(project, role="manager")
    peer = make_rater(project, role="manager")
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123456789")
    membership_add(project=project, user=root, role="manager")
    rater = make_rater(project)
    client = api(manager)

    # When the manager grants, demotes or otherwise touches a manager's membership
    attempts = [
        ({"user_id": rater.pk, "role": "manager"}, "manager_role_staff_only"),
        ({"user_id": peer.pk, "role": "rater"}, "member_is_manager"),
        ({"user_id": peer.pk, "role": "reviewer"}, "member_is_manager"),
        ({"user_id": root.pk, "role": "rater"}, "member_is_manager"),
        ({"username": "root", "role": "reviewer"}, "member_is_manager"),
        ({"user_id": manager.pk, "role": "reviewer"}, "member_is_manager"),
    ]
    for body, code in attempts:
        response = client.post(_members(project), body, format="json")
        # Then each is a 403 with its own code, and nothing changes
        assert response.status_code == 403, body
        assert response.json()["extra"] == {"code": code}, body
    roles = dict(ProjectMembership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles[peer.username] == roles["root"] == roles[manager.username] == "manager"
    assert roles[rater.username] == "rater"
    assert client.delete(f"/api/projects/{project.pk}/members/{root.pk}/").status_code == 403

    # And staff may do all of it
    assert api(staff).post(_members(project), {"user_id": peer.pk, "role": "rater"}).status_code == 201
    assert api(staff).post(_members(project), {"user_id": rater.pk, "role": "manager"}).status_code == 201


def test_a_manager_cannot_touch_a_staff_account(api, project, make_rater, make_user):
    manager = make_rater(project, role="manager")
    helper = make_user(staff=True)
    membership_add(project=project, user=helper, role="reviewer")
    response = api(manager).post(_members(project), {"user_id": helper.pk, "role": "rater"}, format="json")
    assert response.status_code == 403 and response.json()["extra"]["code"] == "member_is_staff"
    assert ProjectMembership.objects.get(project=project, user=helper).role == "reviewer"


def test_managers_pick_reviewers_only_from_their_members_and_ids_leak_no_usernames(
    api, project, make_project, make_rater, make_user
):
    # Given a manager, one of the project's raters, a rater of another project, and a user in no project
    manager = make_rater(project, role="manager")
    own = make_rater(project)
    foreign = make_rater(make_project(), name="foreign-rater-name")
    loner = make_user(name="loner-name")
    client = api(manager)
    missing_id = get_user_model().objects.order_by("-pk").first().pk + 1000

    # When the manager tries to make each of them a reviewer (by id and by username)
    answers = {
        "foreign": client.post(_members(project), {"user_id": foreign.pk, "role": "reviewer"}),
        "foreign-name": client.post(_members(project), {"username": foreign.username, "role": "reviewer"}),
        "loner": client.post(_members(project), {"user_id": loner.pk, "role": "rater"}),
        "missing": client.post(_members(project), {"user_id": missing_id, "role": "reviewer"}),
        "remove-foreign": client.delete(f"/api/projects/{project.pk}/members/{foreign.pk}/"),
        "remove-missing": client.delete(f"/api/projects/{project.pk}/members/{missing_id}/"),
    }

    # Then an outsider and an unknown id get the very same 404, with no username in it, and nothing is stored
    expected = {"message": "No such user.", "extra": {"code": "user_not_found"}}
    for name, response in answers.items():
        assert response.status_code == 404, name
        assert response.json() == expected, name
        assert b"foreign-rater-name" not in response.content and b"loner-name" not in response.content
    assert not ProjectMembership.objects.filter(project=project, user__in=[foreign, loner]).exists()

    # And a member of the project can be made a reviewer
    promoted = client.post(_members(project), {"user_id": own.pk, "role": "reviewer"}, format="json")
    assert promoted.status_code == 201 and promoted.json()["role"] == "reviewer"
