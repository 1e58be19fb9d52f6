"""The review pass: sampling at submit, decisions once and never on one's own label, rework back to the rater."""

from __future__ import annotations

import random

import pytest

from labeling.models import Annotation, AnnotationRevision, Resolution, Review, ReviewState
from labeling.selectors.review import rater_pseudonym
from labeling.services.projects import project_update
from raters.selectors.quality import rater_metrics

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(make_project, add_items):
    project = make_project(overlap=1, review_mode="all")
    add_items(project, 4)
    return project


def _label(api, rater, project, value="cat"):
    task = api(rater).post(f"/api/projects/{project.pk}/tasks/next/").json()
    assert "task_id" in task, task
    response = api(rater).post(f"/api/tasks/{task['task_id']}/submit/", {"value": value}, format="json")
    assert response.status_code == 201, response.json()
    return task, response.json()


def _resolve_now(item_id: int) -> None:
    """The Celery task's body, run in the test's transaction (the worker is not part of this test)."""
    from labeling.tasks import resolve_item

    resolve_item(item_id)


def test_reject_sends_the_label_back_with_the_comment_and_the_correction_replaces_it(
    reviewed, make_rater, api, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("labeling.services.annotations._resolve_later", _resolve_now)
    monkeypatch.setattr("labeling.services.rework._resolve_later", _resolve_now)
    # Given a rater's label drawn for review (and resolved), and a reviewer
    rater = make_rater(reviewed)
    reviewer = make_rater(reviewed, role="reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = _label(api, rater, reviewed, "cat")
    resolved = Resolution.objects.get(is_current=True)
    assert resolved.label == "cat"
    queue = api(reviewer).get(f"/api/projects/{reviewed.pk}/reviews/").json()
    assert [r["value"] for r in queue] == ["cat"]
    assert queue[0]["rater"] == rater_pseudonym(project_id=reviewed.pk, rater_id=rater.pk)
    assert rater.username not in str(queue)

    # When the reviewer rejects it with a comment
    decided = api(reviewer).post(
        f"/api/reviews/{queue[0]['id']}/decide/", {"outcome": "reject", "comment": "It is a dog."}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["state"] == "rejected"

    # Then the rater's next task is that item again, with the comment and their old answer, before new work
    rework = api(rater).post(f"/api/projects/{reviewed.pk}/tasks/next/").json()
    assert rework["payload"] == first["payload"]
    assert rework["review_comment"] == "It is a dog." and rework["previous_value"] == "cat"
    assert rework["task_id"] != first["task_id"]
    assert set(rework) == set(first)

    # When they correct it, the annotation row holds the new value, the old one is history
    with django_capture_on_commit_callbacks(execute=True):
        fixed = api(rater).post(f"/api/tasks/{rework['task_id']}/submit/", {"value": "dog"}, format="json")
    assert fixed.status_code == 201
    annotation = Annotation.objects.get(rater=rater, item__payload=first["payload"])
    assert annotation.value == "dog"
    assert list(AnnotationRevision.objects.filter(annotation=annotation).values_list("value", flat=True)) == ["cat"]
    # and the item was re-resolved on the corrected label
    assert Resolution.objects.get(item=annotation.item, is_current=True).label == "dog"
    # and the correction is drawn for review again (round 2), showing both versions to the reviewer
    again = api(reviewer).get(f"/api/projects/{reviewed.pk}/reviews/").json()
    assert [(r["round"], r["value"]) for r in again] == [(2, "dog")]
    assert [h["value"] for h in again[0]["history"]] == ["cat", "dog"]
    assert again[0]["history"][0]["rejected_comment"] == "It is a dog."

    # A second submit of the rework is refused, nothing changes
    twice = api(rater).post(f"/api/tasks/{rework['task_id']}/submit/", {"value": "bird"}, format="json")
    assert twice.status_code == 409 and twice.json()["extra"]["code"] == "already_submitted"
    annotation.refresh_from_db()
    assert annotation.value == "dog"

    # And the next task is new work
    nxt = api(rater).post(f"/api/projects/{reviewed.pk}/tasks/next/").json()
    assert nxt["review_comment"] is None and nxt["payload"] != first["payload"]


def test_reject_without_a_comment_is_400_and_stores_nothing(reviewed, make_rater, api):
    rater = make_rater(reviewed)
    reviewer = make_rater(reviewed, role="reviewer")
    _label(api, rater, reviewed)
    review = Review.objects.get()
    for comment in ("", "   "):
        response = api(reviewer).post(
            f"/api/reviews/{review.pk}/decide/", {"outcome": "reject", "comment": comment}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["extra"]["code"] == "comment_required"
    review.refresh_from_db()
    assert review.state == ReviewState.PENDING and review.reviewer is None


def test_a_reviewer_decides_once(reviewed, make_rater, api):
    rater = make_rater(reviewed)
    reviewer, other = make_rater(reviewed, role="reviewer"), make_rater(reviewed, role="reviewer")
    _label(api, rater, reviewed)
    review = Review.objects.get()
    assert (
        api(reviewer).post(f"/api/reviews/{review.pk}/decide/", {"outcome": "accept"}, format="json").status_code == 200
    )
    for who, outcome in ((reviewer, "reject"), (other, "accept")):
        response = api(who).post(
            f"/api/reviews/{review.pk}/decide/", {"outcome": outcome, "comment": "Changed my mind."}, format="json"
        )
        assert response.status_code == 409 and response.json()["extra"]["code"] == "already_decided"
    review.refresh_from_db()
    assert review.state == ReviewState.ACCEPTED and review.reviewer == reviewer and review.comment == ""


def test_a_rater_cannot_review_their_own_label_or_anyone_elses(reviewed, make_rater, api):
    # A rater (no reviewer role) tries to accept their own answer through the API
    rater = make_rater(reviewed)
    _label(api, rater, reviewed)
    review = Review.objects.get()
    response = api(rater).post(f"/api/reviews/{review.pk}/decide/", {"outcome": "accept"}, format="json")
    assert response.status_code == 403 and response.json()["extra"]["code"] == "reviewer_only"
    assert api(rater).get(f"/api/projects/{reviewed.pk}/reviews/").status_code == 403
    # A reviewer who also labels is never offered their own label, and cannot decide it by id
    both = make_rater(reviewed, role="reviewer")
    _label(api, both, reviewed)
    own = Review.objects.get(annotation__rater=both)
    assert [r["id"] for r in api(both).get(f"/api/projects/{reviewed.pk}/reviews/").json()] == [review.pk]
    response = api(both).post(f"/api/reviews/{own.pk}/decide/", {"outcome": "accept"}, format="json")
    assert response.status_code == 403 and response.json()["extra"]["code"] == "own_label"
    assert Review.objects.filter(state=ReviewState.PENDING).count() == 2


def test_a_rater_cannot_submit_someone_elses_rework(reviewed, make_rater, api):
    rater, intruder = make_rater(reviewed), make_rater(reviewed)
    reviewer = make_rater(reviewed, role="reviewer")
    _label(api, rater, reviewed, "cat")
    review = Review.objects.get()
    api(reviewer).post(f"/api/reviews/{review.pk}/decide/", {"outcome": "reject", "comment": "No."}, format="json")
    review.refresh_from_db()
    response = api(intruder).post(f"/api/tasks/{review.rework_task_id}/submit/", {"value": "bird"}, format="json")
    assert response.status_code == 404
    skip = api(rater).post(f"/api/tasks/{review.rework_task_id}/skip/", {"reason": "no"}, format="json")
    assert skip.status_code == 409 and skip.json()["extra"]["code"] == "rework_not_skippable"
    assert Annotation.objects.get(rater=rater).value == "cat"
    assert not AnnotationRevision.objects.exists()


def test_sampled_and_unsampled_answers_look_the_same_to_the_rater(make_project, add_items, make_rater, api):
    # Given a project reviewing half the answers, and a rater who looks for a signal in every response
    project = make_project(overlap=1, review_mode="sample", review_share=0.5, pause_fast_share_above=None)
    add_items(project, 40)
    rater = make_rater(project)
    random.seed(7)
    shapes = set()
    for _ in range(40):
        task, submitted = _label(api, rater, project)
        shapes.add((tuple(sorted(task)), tuple(sorted(submitted)), task["review_comment"], task["previous_value"]))
    listed = api(rater).get(f"/api/annotations/?project={project.pk}").json()
    # Then both kinds were drawn, and the task, the submit and the listing are identical in shape and values
    sampled = Review.objects.filter(project=project).count()
    assert 0 < sampled < 40
    assert len(shapes) == 1
    assert "review" not in str(listed).lower()


def test_review_off_draws_nothing_and_gold_is_never_drawn(make_project, add_items, make_rater, api):
    project = make_project(overlap=1)
    add_items(project, 2)
    rater = make_rater(project)
    _label(api, rater, project)
    assert not Review.objects.exists()
    project_update(project=project, review_mode="all", gold_ratio=1.0)
    add_items(project, 0)
    from labeling.services.items import items_import

    items_import(
        project=project, records=[{"external_id": "g", "payload": {"text": "g"}, "is_gold": True, "gold_value": "cat"}]
    )
    _label(api, rater, project)
    assert not Review.objects.exists()


def test_rejections_feed_the_quality_score_and_the_pause_rule(make_project, add_items, make_rater, api):
    project = make_project(overlap=1, review_mode="all", pause_reject_share_above=0.5, pause_min_answers=2)
    add_items(project, 4)
    rater = make_rater(project)
    reviewer = make_rater(project, role="reviewer")
    _label(api, rater, project)
    _label(api, rater, project)
    for review in Review.objects.order_by("id"):
        api(reviewer).post(
            f"/api/reviews/{review.pk}/decide/", {"outcome": "reject", "comment": "Wrong."}, format="json"
        )
    metrics = rater_metrics(project=project, user=rater)
    assert (metrics.reviews_decided, metrics.reviews_rejected) == (2, 2)
    response = api(rater).post(f"/api/projects/{project.pk}/tasks/next/")
    assert response.status_code == 403 and response.json()["extra"]["code"] == "paused"


def test_pseudonyms_are_stable_per_project_and_not_the_username(reviewed, make_project, make_rater):
    rater = make_rater(reviewed)
    other = make_project()
    name = rater_pseudonym(project_id=reviewed.pk, rater_id=rater.pk)
    assert name == rater_pseudonym(project_id=reviewed.pk, rater_id=rater.pk)
    assert name != rater_pseudonym(project_id=other.pk, rater_id=rater.pk)
    assert rater.username not in name and str(rater.pk) not in name.split()[-1][:1]


def test_managers_see_names_only_when_the_project_reveals_them(reviewed, make_rater, api):
    rater = make_rater(reviewed)
    manager = make_rater(reviewed, role="manager")
    _label(api, rater, reviewed)
    assert api(manager).get(f"/api/projects/{reviewed.pk}/reviews/").json()[0]["rater"] != rater.username
    project_update(project=reviewed, review_reveal_identity=True)
    assert api(manager).get(f"/api/projects/{reviewed.pk}/reviews/").json()[0]["rater"] == rater.username


@pytest.mark.parametrize(
    ("field", "value"),
    [("review_mode", "sometimes"), ("review_share", 1.5), ("pause_reject_share_above", -0.1)],
)
def test_bad_review_settings_are_refused(reviewed, api, staff, field, value):
    response = api(staff).patch(f"/api/projects/{reviewed.pk}/", {field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


def test_drawn_undrawn_and_gold_submits_run_the_same_statements(make_project, add_items, make_rater):
    """The draw is one statement for every answer: neither review sampling nor gold shows in the submit's work."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from labeling.services.annotations import annotation_submit
    from labeling.services.assignment import assignment_lease_next
    from labeling.services.items import items_import

    project = make_project(overlap=1, review_mode="sample", review_share=0.5, pause_fast_share_above=None)
    add_items(project, 30)
    items_import(
        project=project,
        records=[
            {"external_id": f"g{i}", "payload": {"text": f"g{i}"}, "is_gold": True, "gold_value": "cat"}
            for i in range(5)
        ],
    )
    project = project_update(project=project, gold_ratio=0.3)
    rater = make_rater(project)
    random.seed(3)
    statements = {}
    while (assignment := assignment_lease_next(project=project, rater=rater)) is not None:
        before = Review.objects.count()
        with CaptureQueriesContext(connection) as ctx:
            annotation_submit(assignment_id=assignment.pk, rater=rater, value="cat")
        kind = "gold" if assignment.item.is_gold else ("drawn" if Review.objects.count() > before else "undrawn")
        normalised = [re.sub(r"\d+", "N", " ".join(q["sql"].split()))[:60] for q in ctx.captured_queries]
        statements.setdefault(kind, normalised)
    assert set(statements) == {"gold", "drawn", "undrawn"}
    assert statements["gold"] == statements["drawn"] == statements["undrawn"]


def test_a_rater_can_flag_the_item_of_their_own_rework(reviewed, make_rater, api):
    rater, other = make_rater(reviewed), make_rater(reviewed)
    reviewer = make_rater(reviewed, role="reviewer")
    _label(api, rater, reviewed)
    review = Review.objects.get()
    api(reviewer).post(
        f"/api/reviews/{review.pk}/decide/", {"outcome": "reject", "comment": "Look again."}, format="json"
    )
    review.refresh_from_db()
    stranger = api(other).post(f"/api/tasks/{review.rework_task_id}/flag/", {"reason": "unclear"}, format="json")
    assert stranger.status_code == 404 and stranger.json()["extra"]["code"] == "not_shown"
    own = api(rater).post(f"/api/tasks/{review.rework_task_id}/flag/", {"reason": "unclear"}, format="json")
    assert own.status_code == 201
