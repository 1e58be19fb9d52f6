"""The services that cause each documented event write it to the outbox, in their own transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from config.exceptions import ForbiddenError
from config.outbox.models import OutboxEvent
from config.outbox.services import OutboxOutsideTransaction, event_emit
from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from labeling.services.adjudication import resolution_adjudicate
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from raters.services.quality import rater_pause
from raters.services.recruitment import campaign_create, campaign_join


def events(event_type: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(event_type=event_type).order_by("id"))


def submit(project, rater, value, capture):
    with capture(execute=True):
        lease = assignment_lease_next(project=project, rater=rater)
        return annotation_submit(assignment_id=lease.pk, rater=rater, value=value)


@pytest.mark.django_db(transaction=True)
def test_emit_refuses_to_run_outside_a_transaction():
    with pytest.raises(OutboxOutsideTransaction):
        event_emit("item.resolved", {"item_id": 1})
    with pytest.raises(ValueError), transaction.atomic():
        event_emit("item.exploded", {})
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_annotations_resolutions_and_project_completion(
    eager_celery,
    make_project,
    make_rater,
    add_items,
    django_capture_on_commit_callbacks,
):
    project = make_project(overlap=1)
    add_items(project, 2)
    rater = make_rater(project)
    first = submit(project, rater, "cat", django_capture_on_commit_callbacks)
    # One item of two done: resolved, the project not complete yet
    created = events("annotation.created")
    assert [e.payload["annotation_id"] for e in created] == [first.pk]
    assert created[0].payload["value"] == "cat" and created[0].project_id == project.pk
    assert [e.payload["item_id"] for e in events("item.resolved")] == [first.item_id]
    assert events("project.completed") == []
    second = submit(project, rater, "dog", django_capture_on_commit_callbacks)
    resolved = events("item.resolved")
    assert [e.payload["item_id"] for e in resolved] == [first.item_id, second.item_id]
    assert resolved[1].payload["label"] == "dog" and resolved[1].payload["schema_version"] == 1
    completed = events("project.completed")
    assert len(completed) == 1 and completed[0].payload == {"schema_version": 1, "project_id": project.pk,
                                                            "crowd_items": 2}  # fmt: skip


@pytest.mark.django_db
def test_a_tie_needs_adjudication_then_the_decision_resolves_it(
    eager_celery,
    make_project,
    make_rater,
    make_user,
    add_items,
    django_capture_on_commit_callbacks,
):
    project = make_project(overlap=2)
    add_items(project, 1)
    submit(project, make_rater(project), "cat", django_capture_on_commit_callbacks)
    submit(project, make_rater(project), "dog", django_capture_on_commit_callbacks)
    waiting = events("item.needs_adjudication")
    assert len(waiting) == 1 and waiting[0].payload["adjudication_reason"] == "tie"
    assert events("item.resolved") == [] and events("project.completed") == []
    staff = make_user(staff=True)
    resolution_adjudicate(
        reviewer=staff,
        label="cat",
        rationale="The ears are a cat's.",
        resolution_id=waiting[0].payload["resolution_id"],
    )
    resolved = events("item.resolved")
    assert len(resolved) == 1 and resolved[0].payload["kind"] == "adjudication"
    assert len(events("project.completed")) == 1


@pytest.mark.django_db
def test_pause_application_and_dataset_version(make_project, make_rater, make_user, add_items):
    project = make_project(overlap=1)
    rater = make_rater(project)
    assert rater_pause(project=project, user=rater, reason="gold accuracy below 0.7")
    assert not rater_pause(project=project, user=rater, reason="again")  # already paused: no second event
    paused = events("rater.paused")
    assert len(paused) == 1 and paused[0].payload["rater_id"] == rater.pk and paused[0].payload["automatic"]

    campaign = campaign_create(title="Spring cohort", project=project)
    applicant = make_user()
    application = campaign_join(campaign=campaign, user=applicant)
    applied = events("rater.application_submitted")
    assert [e.payload["application_id"] for e in applied] == [application.pk]
    assert applied[0].project_id == project.pk

    dataset = dataset_create(name="ds-events", project_ids=[project.pk])
    version = dataset_build(dataset=dataset)
    built = events("dataset.version_built")
    assert len(built) == 1 and built[0].payload["version_id"] == version.pk
    assert built[0].payload["content_hash"] == version.content_hash and built[0].project_id == project.pk


@pytest.mark.django_db
def test_budget_exhausted_is_announced_once(
    make_project,
    make_rater,
    add_items,
    django_capture_on_commit_callbacks,
):
    project = make_project(overlap=1, pay_per_annotation_cents=10, budget_cents=20)
    add_items(project, 5)
    rater = make_rater(project)
    submit(project, rater, "cat", django_capture_on_commit_callbacks)
    assert events("project.budget_exhausted") == []
    submit(project, rater, "cat", django_capture_on_commit_callbacks)
    exhausted = events("project.budget_exhausted")
    assert len(exhausted) == 1 and exhausted[0].payload["spent_cents"] == 20
    with pytest.raises(ForbiddenError):
        assignment_lease_next(project=project, rater=rater)
