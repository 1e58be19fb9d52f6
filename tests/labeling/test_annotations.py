"""labeling/services/annotations.py: every refusal is a clear error and stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.models import Annotation, Assignment, AssignmentStatus, Item
from labeling.services.annotations import annotation_submit, assignment_skip
from labeling.services.assignment import assignment_lease_next, leases_reclaim_expired
from labeling.services.instructions import instructions_acknowledge
from labeling.services.items import items_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def lease(project, rater, add_items):
    add_items(project, 3)
    return assignment_lease_next(project=project, rater=rater)


def _nothing_stored(lease: Assignment) -> None:
    assert not Annotation.objects.exists()
    fresh = Assignment.objects.get(pk=lease.pk)
    assert fresh.status in (AssignmentStatus.LEASED, AssignmentStatus.EXPIRED)
    assert Item.objects.get(pk=lease.item_id).annotation_count == 0


def test_submit_records_value_version_and_time(project, make_rater, add_items, publish):
    add_items(project, 1)
    version = publish(project)
    r = make_rater(project)
    lease = assignment_lease_next(project=project, rater=r)
    Assignment.objects.filter(pk=lease.pk).update(leased_at=timezone.now() - timedelta(seconds=3))
    annotation = annotation_submit(assignment_id=lease.pk, rater=r, value="dog", time_spent_ms=45000)
    assert annotation.value == "dog"
    assert annotation.instruction_version_id == version.pk
    # The server's time from the lease to the submit is stored; the client's claim is only a hint beside it.
    assert 3000 <= annotation.time_spent_ms < 45000
    assert annotation.client_time_spent_ms == 45000
    assert Assignment.objects.get(pk=lease.pk).status == AssignmentStatus.SUBMITTED
    assert Item.objects.get(pk=lease.item_id).annotation_count == 1


def test_time_spent_defaults_to_lease_age(project, rater, lease):
    Assignment.objects.filter(pk=lease.pk).update(leased_at=timezone.now() - timedelta(seconds=7))
    annotation = annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    assert 7000 <= annotation.time_spent_ms < 60000


@pytest.mark.parametrize("value", ["horse", "", None, ["cat"], {"label": "cat"}, 1, True])
def test_value_outside_single_choice_schema(project, rater, lease, value):
    with pytest.raises(ApplicationError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=rater, value=value)
    assert exc.value.status_code == 400 and exc.value.extra["code"] == "invalid_value"
    _nothing_stored(lease)


@pytest.mark.parametrize(
    ("label_type", "options", "good", "bad"),
    [
        ("multi", {"categories": ["a", "b", "c"]}, ["b", "a"], [[], ["a", "a"], ["z"], "a", [["a"]]]),
        ("ordinal", {"categories": [1, 2, 3, 4, 5]}, 3, [0, 6, "3", 2.5, [3]]),
        ("interval", {"min_value": -10, "max_value": 10}, -2.5, [11, -11, "3", None, float("nan"), True]),
        ("ratio", {"max_value": 100}, 0, [-1, "1", [1], 101]),
    ],
)
def test_schema_per_label_type(make_project, make_rater, add_items, label_type, options, good, bad):
    project = make_project(label_type=label_type, overlap=1, **options)
    add_items(project, 1)
    r = make_rater(project)
    lease = assignment_lease_next(project=project, rater=r)
    for value in bad:
        with pytest.raises(ApplicationError) as exc:
            annotation_submit(assignment_id=lease.pk, rater=r, value=value)
        assert exc.value.extra["code"] == "invalid_value", value
    assert not Annotation.objects.exists()
    stored = annotation_submit(assignment_id=lease.pk, rater=r, value=good)
    assert stored.value == (["a", "b"] if label_type == "multi" else good)


def test_item_leased_to_someone_else_is_not_found(project, make_rater, lease):
    intruder = make_rater(project)
    with pytest.raises(NotFoundError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=intruder, value="cat")
    assert exc.value.status_code == 404 and exc.value.extra["code"] == "assignment_not_found"
    _nothing_stored(lease)


def test_unknown_assignment_is_not_found(rater, lease):
    with pytest.raises(NotFoundError):
        annotation_submit(assignment_id=lease.pk + 999, rater=rater, value="cat")
    _nothing_stored(lease)


def test_expired_lease_is_refused(project, rater, lease):
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ConflictError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    assert exc.value.extra["code"] == "lease_expired"
    _nothing_stored(lease)
    leases_reclaim_expired()
    with pytest.raises(ConflictError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    assert exc.value.extra["code"] == "lease_expired"
    _nothing_stored(lease)


def test_second_submission_is_a_conflict(project, rater, lease):
    annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    with pytest.raises(ConflictError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=rater, value="dog")
    assert exc.value.status_code == 409 and exc.value.extra["code"] == "already_submitted"
    assert list(Annotation.objects.values_list("value", flat=True)) == ["cat"]
    assert Item.objects.get(pk=lease.item_id).annotation_count == 1


def test_instructions_changed_mid_lease_must_be_acknowledged(project, rater, lease, publish):
    publish(project, "New rule: birds count as animals.")
    with pytest.raises(ForbiddenError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    assert exc.value.extra["code"] == "instructions_not_acknowledged"
    _nothing_stored(lease)


@pytest.mark.parametrize("time_spent_ms", [-1, "fast", 1.5, True])
def test_bad_time_spent(rater, lease, time_spent_ms):
    with pytest.raises(ApplicationError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat", time_spent_ms=time_spent_ms)
    assert exc.value.extra["code"] == "invalid_time_spent"
    _nothing_stored(lease)


def test_skip_needs_a_reason_and_cannot_follow_submit(project, rater, lease):
    with pytest.raises(ApplicationError) as exc:
        assignment_skip(assignment_id=lease.pk, rater=rater, reason="  ")
    assert exc.value.extra["code"] == "reason_required"
    assert Assignment.objects.get(pk=lease.pk).status == AssignmentStatus.LEASED
    annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    with pytest.raises(ConflictError) as exc:
        assignment_skip(assignment_id=lease.pk, rater=rater, reason="changed my mind")
    assert exc.value.extra["code"] == "already_submitted"


def test_skipped_lease_cannot_be_submitted(project, rater, lease):
    assignment_skip(assignment_id=lease.pk, rater=rater, reason="offensive content")
    with pytest.raises(ConflictError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    assert exc.value.extra["code"] == "already_skipped"
    assert not Annotation.objects.exists()


def test_quality_hook_runs_inside_the_transaction(project, rater, lease, monkeypatch):
    """A failing quality hook rolls the annotation back: it runs before commit, in the same transaction."""

    def boom(*, annotation):
        assert Annotation.objects.filter(pk=annotation.pk).exists()
        raise RuntimeError("quality hook failed")

    monkeypatch.setattr("labeling.services.annotations.quality_after_annotation", boom)
    with pytest.raises(RuntimeError):
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    _nothing_stored(lease)


def test_resolution_is_scheduled_after_commit_when_overlap_is_reached(
    make_project, make_rater, add_items, monkeypatch, django_capture_on_commit_callbacks
):
    scheduled = []
    monkeypatch.setattr("labeling.services.annotations._resolve_later", scheduled.append)
    project = make_project(overlap=2)
    add_items(project, 1)
    raters = [make_rater(project) for _ in range(2)]
    leases = [assignment_lease_next(project=project, rater=r) for r in raters]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        annotation_submit(assignment_id=leases[0].pk, rater=raters[0], value="cat")
    assert callbacks == [] and scheduled == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        annotation_submit(assignment_id=leases[1].pk, rater=raters[1], value="cat")
    assert len(callbacks) == 1 and scheduled == []  # queued for the commit, not run before it
    callbacks[0]()
    assert scheduled == [leases[1].item_id]


def test_gold_items_are_not_sent_to_resolution(make_project, make_rater, django_capture_on_commit_callbacks):
    project = make_project(overlap=1, gold_ratio=1.0)
    items_import(project=project, records=[{"payload": "g", "is_gold": True, "gold_value": "cat"}, {"payload": "r"}])
    r = make_rater(project)
    lease = assignment_lease_next(project=project, rater=r)
    assert lease.item.is_gold
    with django_capture_on_commit_callbacks() as callbacks:
        annotation_submit(assignment_id=lease.pk, rater=r, value="dog")
    assert callbacks == []


def test_annotation_records_the_version_acknowledged_at_submit(project, make_rater, add_items, publish):
    """Instructions change while the rater holds a lease: they re-acknowledge and answer under v2."""
    add_items(project, 1)
    publish(project, "v1")
    r = make_rater(project)
    lease = assignment_lease_next(project=project, rater=r)
    assert lease.instruction_version.version == 1
    v2 = publish(project, "v2")
    with pytest.raises(ForbiddenError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=r, value="cat")
    assert exc.value.extra["code"] == "instructions_not_acknowledged" and "not saved" in exc.value.message
    _nothing_stored(lease)
    instructions_acknowledge(project=project, user=r)
    again = assignment_lease_next(project=project, rater=r)
    assert again.pk == lease.pk and again.instruction_version.version == 2  # the task is shown under v2
    annotation = annotation_submit(assignment_id=lease.pk, rater=r, value="cat", instruction_version=2)
    assert annotation.instruction_version_id == v2.pk


def test_label_typed_under_old_instructions_is_refused(project, make_rater, add_items, publish):
    """The rater acknowledged v2 in another tab, then sends the label typed on the v1 screen."""
    add_items(project, 1)
    publish(project, "v1")
    r = make_rater(project)
    lease = assignment_lease_next(project=project, rater=r)
    publish(project, "v2")
    instructions_acknowledge(project=project, user=r)
    with pytest.raises(ConflictError) as exc:
        annotation_submit(assignment_id=lease.pk, rater=r, value="cat", instruction_version=1)
    assert exc.value.extra == {"code": "instructions_changed", "instruction_version": 2}
    assert "not saved" in exc.value.message
    _nothing_stored(lease)
