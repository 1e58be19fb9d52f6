"""Instructions over HTTP: publish appends a version; raters read and acknowledge the current one."""

from __future__ import annotations

import pytest

from labeling.models import InstructionVersion

pytestmark = pytest.mark.django_db


def test_publish_list_current_acknowledge(api, staff, project, make_rater):
    admin = api(staff)
    rater = make_rater(project)
    client = api(rater)
    assert client.get(f"/api/projects/{project.pk}/instructions/current/").status_code == 404
    for body in ("# v1\nLabel animals.", "# v2\nBirds too."):
        assert admin.post(f"/api/projects/{project.pk}/instructions/", {"body": body}, format="json").status_code == 201
    versions = client.get(f"/api/projects/{project.pk}/instructions/").json()["results"]
    assert [(v["version"], v["body"][:4]) for v in versions] == [(2, "# v2"), (1, "# v1")]
    current = client.get(f"/api/projects/{project.pk}/instructions/current/").json()
    assert current["version"] == 2 and current["acknowledged"] is False
    ack = client.post(f"/api/projects/{project.pk}/instructions/acknowledge/").json()
    assert ack["version"] == 2
    assert client.get(f"/api/projects/{project.pk}/instructions/current/").json()["acknowledged"] is True


def test_publish_bad_input_stores_nothing(api, staff, project):
    admin = api(staff)
    for body in ({}, {"body": ""}, {"body": 5 * " "}, {"body": "x", "change_note": "n" * 301}):
        response = admin.post(f"/api/projects/{project.pk}/instructions/", body, format="json")
        assert response.status_code == 400, body
        assert set(response.json()) == {"message", "extra"}
    assert not InstructionVersion.objects.exists()


def test_acknowledge_without_instructions(api, project, make_rater):
    response = api(make_rater(project)).post(f"/api/projects/{project.pk}/instructions/acknowledge/")
    assert response.status_code == 404 and response.json()["extra"]["code"] == "no_instructions"
