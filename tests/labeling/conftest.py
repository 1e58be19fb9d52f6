"""Fixtures for the human-labeling core, built through the real services."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from labeling.services.instructions import instructions_acknowledge, instructions_publish
from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create

_names = itertools.count()


@pytest.fixture
def make_user(db):
    def make(*, staff: bool = False, name: str | None = None):
        name = name or f"user{next(_names)}"
        return get_user_model().objects.create_user(name, password="pw-123456789", is_staff=staff)

    return make


@pytest.fixture
def staff(make_user):
    return make_user(staff=True, name="staff")


@pytest.fixture
def make_project(db):
    def make(**options):
        options.setdefault("name", f"project-{next(_names)}")
        options.setdefault("label_type", "single")
        if options["label_type"] in ("single", "multi", "ordinal"):
            options.setdefault("categories", ["cat", "dog", "bird"])
        return project_create(**options)

    return make


@pytest.fixture
def project(make_project):
    return make_project(overlap=2)


@pytest.fixture
def make_rater(make_user):
    """A rater who is a member of the project and has acknowledged its current instructions."""

    def make(project, *, role: str = "rater", acknowledge: bool = True, name: str | None = None):
        user = make_user(name=name)
        membership_add(project=project, user=user, role=role)
        if acknowledge and project.instruction_versions.exists():
            instructions_acknowledge(project=project, user=user)
        return user

    return make


@pytest.fixture
def rater(project, make_rater):
    return make_rater(project)


@pytest.fixture
def add_items():
    def add(project, n: int, **fields):
        records = [{"external_id": f"x{i}", "payload": {"text": f"item {i}"}, **fields} for i in range(n)]
        return items_import(project=project, records=records)

    return add


@pytest.fixture
def publish():
    def publish_(project, body: str = "Label the animal.", **kwargs):
        return instructions_publish(project=project, body=body, **kwargs)

    return publish_


@pytest.fixture
def api():
    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for
