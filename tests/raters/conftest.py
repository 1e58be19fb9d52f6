"""Fixtures for the rater lifecycle, built through the real services (labeling core and raters)."""

from __future__ import annotations

import itertools
import random

import pytest
from django.contrib.auth import get_user_model

from labeling.services.instructions import instructions_acknowledge, instructions_publish
from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create
from raters.services.recruitment import campaign_create

_names = itertools.count()
CATEGORIES = ["positive", "negative", "neutral"]


@pytest.fixture
def make_user(db):
    def make(*, staff: bool = False, name: str | None = None):
        name = name or f"u{next(_names)}"
        return get_user_model().objects.create_user(name, password="pw-123456789", is_staff=staff)

    return make


@pytest.fixture
def staff(make_user):
    return make_user(staff=True, name="boss")


@pytest.fixture
def make_project(db):
    def make(*, regular: int = 20, gold: int = 0, exam: int = 0, practice: int = 0, instructions: str = "", **options):
        options.setdefault("name", f"p{next(_names)}")
        options.setdefault("label_type", "single")
        options.setdefault("categories", CATEGORIES)
        project = project_create(**options)
        records = []
        for i in range(regular):
            records.append({"external_id": f"r{i}", "payload": {"text": f"Regular review number {i}."}})
        for i in range(gold):
            records.append(
                {
                    "external_id": f"g{i}",
                    "payload": {"text": f"Review number g{i}."},
                    "is_gold": True,
                    "gold_value": CATEGORIES[i % 3],
                    "gold_explanation": "Known answer.",
                }
            )
        for i in range(exam):
            records.append(
                {
                    "external_id": f"e{i}",
                    "payload": {"text": f"Exam review {i}."},
                    "is_gold": True,  # exam and practice items are gold items kept out of the queue
                    "is_exam": True,
                    "gold_value": CATEGORIES[i % 3],
                }
            )
        for i in range(practice):
            records.append(
                {
                    "external_id": f"pr{i}",
                    "payload": {"text": f"Practice review {i}."},
                    "is_gold": True,
                    "is_practice": True,
                    "gold_value": CATEGORIES[i % 3],
                    "gold_explanation": f"Because practice {i} says so.",
                }
            )
        if records:
            result = items_import(project=project, records=records)
            assert result.error_count == 0, result.errors
        if instructions:
            instructions_publish(project=project, body=instructions)
        return project

    return make


@pytest.fixture
def make_rater(make_user):
    """An active, qualified rater on the project who acknowledged the current instructions."""

    def make(project, *, name: str | None = None, qualified: bool = True):
        user = make_user(name=name)
        membership = membership_add(project=project, user=user)
        if membership.is_qualified != qualified:
            membership.is_qualified = qualified
            membership.save(update_fields=["is_qualified"])
        if project.instruction_versions.exists():
            instructions_acknowledge(project=project, user=user)
        return user

    return make


@pytest.fixture
def make_campaign(db):
    def make(project=None, **options):
        options.setdefault("title", f"Campaign {next(_names)}")
        return campaign_create(project=project, **options)

    return make


@pytest.fixture
def rng():
    random.seed(1234)  # the assignment service samples gold with the module RNG
    return random.Random(42)
