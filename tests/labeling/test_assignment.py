"""labeling/services/assignment.py: leasing, overlap, gold mixing, skip, and lease reclaim."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.exceptions import ForbiddenError
from labeling.models import Assignment, AssignmentStatus, Item, MembershipStatus, ProjectMembership
from labeling.services.annotations import annotation_submit, assignment_skip
from labeling.services.assignment import (
    _NEXT_GOLD_SQL,
    _NEXT_ITEM_SQL,
    assignment_lease_next,
    leases_reclaim_expired,
    leases_release_for_rater,
)
from labeling.services.items import items_import
from labeling.tasks import reclaim_expired_leases

pytestmark = pytest.mark.django_db


def _expire_now(assignment: Assignment) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(
        leased_at=timezone.now() - timedelta(hours=2), expires_at=timezone.now() - timedelta(seconds=1)
    )


def _queue_order(project) -> list[int]:
    return list(
        Item.objects.filter(project=project).order_by("-priority", "queue_key", "id").values_list("id", flat=True)
    )


def test_priority_first_then_random_key(project, rater):
    items_import(
        project=project,
        records=[
            {"external_id": "old-low", "payload": 1, "priority": 0},
            {"external_id": "high", "payload": 2, "priority": 5},
            {"external_id": "new-low", "payload": 3, "priority": 0},
        ],
    )
    order = []
    for _ in range(3):
        lease = assignment_lease_next(project=project, rater=rater)
        order.append(lease.item_id)
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    assert order == _queue_order(project)
    assert Item.objects.get(pk=order[0]).external_id == "high"
    assert assignment_lease_next(project=project, rater=rater) is None


def test_queue_order_is_not_import_order(make_project, make_rater, add_items):
    """Within a priority the order is the random key, so it cannot be told from ids or import batches.

    With 60 items the chance that a random order equals the id order, or its reverse, is 2/60! (about 1e-81).
    """
    project = make_project(overlap=1, pause_fast_share_above=None)
    add_items(project, 60)
    keys = list(Item.objects.filter(project=project).values_list("queue_key", flat=True))
    assert len(set(keys)) == 60 and all(0 <= k < 1 for k in keys)
    by_id = list(Item.objects.filter(project=project).order_by("id").values_list("id", flat=True))
    order = _queue_order(project)
    assert order not in (by_id, by_id[::-1])
    rater = make_rater(project)
    assert _label_all(project, rater, 60) == order


def test_held_lease_is_returned_again_not_a_second_one(project, rater, add_items):
    add_items(project, 3)
    first = assignment_lease_next(project=project, rater=rater)
    again = assignment_lease_next(project=project, rater=rater)
    assert again.pk == first.pk
    assert Assignment.objects.filter(rater=rater).count() == 1
    assert Item.objects.get(pk=first.item_id).slots_open == project.overlap - 1


def test_overlap_caps_distinct_raters(make_project, make_rater, add_items):
    project = make_project(overlap=2)
    add_items(project, 1)
    raters = [make_rater(project) for _ in range(3)]
    got = []
    for r in raters:
        lease = assignment_lease_next(project=project, rater=r)
        got.append(lease)
        if lease:
            annotation_submit(assignment_id=lease.pk, rater=r, value="dog")
    assert [g is not None for g in got] == [True, True, False]
    item = Item.objects.get(project=project)
    assert item.slots_open == 0 and item.annotation_count == 2


def test_rater_never_gets_an_item_twice(project, rater, add_items):
    add_items(project, 2)
    seen = []
    while (lease := assignment_lease_next(project=project, rater=rater)) is not None:
        seen.append(lease.item_id)
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    assert len(seen) == 2 and len(set(seen)) == 2


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": MembershipStatus.PAUSED}, "paused"),
        ({"status": MembershipStatus.REMOVED}, "not_a_member"),
        ({"is_qualified": False}, "not_qualified"),
    ],
)
def test_gate_refusal_is_forbidden_and_leases_nothing(project, rater, add_items, change, code):
    add_items(project, 1)
    ProjectMembership.objects.filter(project=project, user=rater).update(**change)
    with pytest.raises(ForbiddenError) as exc:
        assignment_lease_next(project=project, rater=rater)
    assert exc.value.extra["code"] == code
    assert not Assignment.objects.exists()


def test_non_member_is_refused(project, make_user, add_items):
    add_items(project, 1)
    with pytest.raises(ForbiddenError) as exc:
        assignment_lease_next(project=project, rater=make_user())
    assert exc.value.extra["code"] == "not_a_member"


def test_instructions_must_be_acknowledged(project, make_rater, add_items, publish):
    add_items(project, 1)
    publish(project)
    newcomer = make_rater(project, acknowledge=False)
    with pytest.raises(ForbiddenError) as exc:
        assignment_lease_next(project=project, rater=newcomer)
    assert exc.value.extra["code"] == "instructions_not_acknowledged"
    assert not Assignment.objects.exists()


def test_lease_records_current_instruction_version(project, make_rater, add_items, publish):
    add_items(project, 1)
    publish(project, "v1")
    v2 = publish(project, "v2")
    r = make_rater(project)
    lease = assignment_lease_next(project=project, rater=r)
    assert lease.instruction_version_id == v2.pk


def _gold_project(make_project, *, gold_ratio: float, regular: int = 1, gold: int = 1, overlap: int = 1):
    project = make_project(overlap=overlap, gold_ratio=gold_ratio, pause_fast_share_above=None)
    records = [{"external_id": f"g{n}", "payload": f"g{n}", "is_gold": True, "gold_value": "cat"} for n in range(gold)]
    records += [{"external_id": f"r{n}", "payload": f"r{n}"} for n in range(regular)]
    items_import(project=project, records=records)
    return project


def _work_through(project, rater) -> list[str]:
    got = []
    while (lease := assignment_lease_next(project=project, rater=rater)) is not None:
        got.append(lease.item.external_id)
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
    return got


def test_gold_is_served_only_while_regular_work_remains(make_project, make_rater):
    project = _gold_project(make_project, gold_ratio=1.0, regular=1, gold=2)
    a = make_rater(project)
    # Gold takes the regular pick's turn while the regular item is open (its slot is not taken meanwhile);
    # with no unseen gold left, the regular item itself is granted.
    first = assignment_lease_next(project=project, rater=a)
    assert first.item.is_gold
    assert Item.objects.get(project=project, external_id="r0").slots_open == 1
    annotation_submit(assignment_id=first.pk, rater=a, value="cat")
    rest = _work_through(project, a)
    assert sorted([first.item.external_id, rest[0]]) == ["g0", "g1"] and rest[1:] == ["r0"]
    assert all(g.slots_open == 1 for g in Item.objects.filter(project=project, is_gold=True))
    # Every regular item is covered now (overlap 1): a late rater is served nothing, though gold is left.
    late = make_rater(project)
    assert assignment_lease_next(project=project, rater=late) is None
    assert not Assignment.objects.filter(rater=late).exists()


def test_finished_rater_reloading_gets_no_leftover_gold(make_project, make_rater):
    project = _gold_project(make_project, gold_ratio=0.5, regular=4, gold=20, overlap=1)
    rater = make_rater(project)
    got = _work_through(project, rater)
    assert sum(name.startswith("r") for name in got) == 4  # all regular work done, gold only in between
    for _ in range(5):  # reloads
        assert assignment_lease_next(project=project, rater=rater) is None
    assert Assignment.objects.filter(rater=rater).count() == len(got)


def test_gold_and_regular_grants_run_the_same_statements(make_project, make_rater):
    """Both paths run the regular pick, the gold pick, one grant statement and one position write."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    def statements(ratio: float) -> list[str]:
        project = _gold_project(make_project, gold_ratio=ratio, regular=3, gold=3)
        rater = make_rater(project)
        with CaptureQueriesContext(conn) as ctx:
            lease = assignment_lease_next(project=project, rater=rater)
        assert lease.item.is_gold == (ratio == 1.0)
        return [re.sub(r'"s\d+_x\d+"', "SP", " ".join(q["sql"].split()))[:50] for q in ctx.captured_queries]

    # A tiny ratio still runs the gold pick (the draw then almost surely says regular).
    assert statements(1.0) == statements(1e-12)


def test_skip_releases_slot_and_item_never_returns(project, make_rater, add_items):
    add_items(project, 1)
    r = make_rater(project)
    lease = assignment_lease_next(project=project, rater=r)
    skipped = assignment_skip(assignment_id=lease.pk, rater=r, reason="Image does not load")
    assert skipped.status == AssignmentStatus.SKIPPED and skipped.skip_reason == "Image does not load"
    assert Item.objects.get().slots_open == project.overlap
    assert assignment_lease_next(project=project, rater=r) is None
    other = make_rater(project)
    assert assignment_lease_next(project=project, rater=other).item_id == lease.item_id


def test_reclaim_reopens_slot_and_same_rater_relets_same_row(project, rater, add_items):
    add_items(project, 1)
    lease = assignment_lease_next(project=project, rater=rater)
    _expire_now(lease)
    assert leases_reclaim_expired() == 1
    lease.refresh_from_db()
    assert lease.status == AssignmentStatus.EXPIRED and lease.closed_at is not None
    assert Item.objects.get().slots_open == project.overlap
    again = assignment_lease_next(project=project, rater=rater)
    assert again.pk == lease.pk and again.lease_count == 2 and again.status == AssignmentStatus.LEASED
    assert Item.objects.get().slots_open == project.overlap - 1


def test_reclaim_leaves_live_leases_alone(project, make_rater, add_items):
    add_items(project, 2)
    live = assignment_lease_next(project=project, rater=make_rater(project))
    assert leases_reclaim_expired() == 0
    live.refresh_from_db()
    assert live.status == AssignmentStatus.LEASED


def test_beat_task_reclaims_in_batches(project, make_rater, add_items, monkeypatch):
    """The task Celery beat runs every 30 s calls the service; batches loop until nothing is due."""
    monkeypatch.setattr("labeling.services.assignment.RECLAIM_BATCH", 2)
    add_items(project, 5)
    leases = [assignment_lease_next(project=project, rater=make_rater(project)) for _ in range(5)]
    for lease in leases:
        _expire_now(lease)
    assert settings.CELERY_BEAT_SCHEDULE["reclaim-expired-leases"]["task"] == "labeling.tasks.reclaim_expired_leases"
    assert reclaim_expired_leases() == 5
    assert not Assignment.objects.filter(status=AssignmentStatus.LEASED).exists()
    assert sum(Item.objects.values_list("slots_open", flat=True)) == 5 * project.overlap


def test_own_stale_lease_is_expired_on_next_request(project, rater, add_items):
    add_items(project, 2)
    lease = assignment_lease_next(project=project, rater=rater)
    _expire_now(lease)
    nxt = assignment_lease_next(project=project, rater=rater)
    lease.refresh_from_db()
    # The stale row is closed and its item offered again first (it is still the top of the queue).
    assert nxt.item_id == lease.item_id and nxt.lease_count == 2
    assert Item.objects.get(pk=lease.item_id).slots_open == project.overlap - 1


def test_release_for_rater(project, rater, add_items):
    add_items(project, 1)
    lease = assignment_lease_next(project=project, rater=rater)
    assert leases_release_for_rater(project=project, rater=rater) == 1
    lease.refresh_from_db()
    assert lease.status == AssignmentStatus.EXPIRED
    assert Item.objects.get().slots_open == project.overlap


def test_next_item_query_walks_the_queue_index(project, rater, add_items):
    add_items(project, 50)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + _NEXT_ITEM_SQL, {"project": project.pk, "rater": rater.pk})
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "item_queue_idx" in plan
    assert "Anti Join" in plan


def test_gold_pick_walks_the_gold_index(make_project, rater):
    project = _gold_project(make_project, gold_ratio=0.1, regular=5, gold=50)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + _NEXT_GOLD_SQL, {"project": project.pk, "rater": rater.pk, "start": 0.5})
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert plan.count("item_gold_idx") == 2 and "Sort" not in plan


def test_gold_pick_starts_at_a_random_key_and_wraps_round(make_project, rater):
    """From a random point on the key: the next unseen gold item after it, else the first one (wrap round)."""
    project = _gold_project(make_project, gold_ratio=1.0, regular=1, gold=3)
    gold = list(Item.objects.filter(project=project, is_gold=True).order_by("queue_key").values_list("id", "queue_key"))
    (low, low_key), (mid, mid_key), (high, high_key) = gold

    def pick(start: float) -> int:
        with connection.cursor() as cursor:
            cursor.execute(_NEXT_GOLD_SQL, {"project": project.pk, "rater": rater.pk, "start": start})
            return cursor.fetchone()[0]

    assert pick(0.0) == low
    assert pick((low_key + mid_key) / 2) == mid
    assert pick((mid_key + high_key) / 2) == high
    assert pick(high_key + (1 - high_key) / 2) == low  # past the last key: wraps round
    Assignment.objects.create(
        project=project, item_id=low, rater=rater, leased_at=timezone.now(), expires_at=timezone.now()
    )
    assert pick(high_key + (1 - high_key) / 2) == mid  # a gold item the rater holds is passed over


def _label_all(project, rater, n: int) -> list[int]:
    done = []
    for _ in range(n):
        lease = assignment_lease_next(project=project, rater=rater)
        annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
        done.append(lease.item_id)
    return done


def test_rater_far_ahead_jumps_past_own_items(make_project, make_rater, add_items, monkeypatch):
    """A rater who labeled more of the top open items than the head window is served from their position."""
    monkeypatch.setattr("labeling.services.assignment.HEAD_WINDOW", 3)
    project = make_project(overlap=3)
    add_items(project, 12)
    fast = make_rater(project)
    done = _label_all(project, fast, 8)
    ids = _queue_order(project)
    assert done == ids[:8]
    membership = ProjectMembership.objects.get(project=project, user=fast)
    assert membership.queue_item_id == ids[7]
    assert membership.queue_key == Item.objects.get(pk=ids[7]).queue_key
    # Higher-priority work imported later still comes first (the head window sees it).
    items_import(project=project, records=[{"external_id": "urgent", "payload": "u", "priority": 9}])
    assert assignment_lease_next(project=project, rater=fast).item.external_id == "urgent"


def test_item_reopened_behind_the_position_is_still_found(make_project, make_rater, add_items, monkeypatch):
    monkeypatch.setattr("labeling.services.assignment.HEAD_WINDOW", 2)
    project = make_project(overlap=2)
    add_items(project, 6)
    ids = _queue_order(project)
    fast, slow = make_rater(project), make_rater(project)
    # The slow rater holds item 5 (ids[4]); the fast rater labels everything else, so its position is the end.
    for item_id in ids[:4]:
        Assignment.objects.create(
            project=project,
            item_id=item_id,
            rater=slow,
            status=AssignmentStatus.SUBMITTED,
            leased_at=timezone.now(),
            expires_at=timezone.now(),
        )
    Item.objects.filter(pk__in=ids[:5]).update(slots_open=1)  # item 5 is full once the slow rater takes it
    held = assignment_lease_next(project=project, rater=slow)
    assert held.item_id == ids[4]
    assert _label_all(project, fast, 5) == ids[:4] + ids[5:]
    assert assignment_lease_next(project=project, rater=fast) is None
    # The slow rater's lease on item 5 expires; it lies behind the fast rater's position and beyond the head window.
    _expire_now(held)
    leases_reclaim_expired()
    assert assignment_lease_next(project=project, rater=fast).item_id == ids[4]


def test_every_item_creation_path_draws_a_queue_key(project):
    """The key is a database default, so the ORM, bulk inserts, the import's INSERT and COPY all get one."""
    items_import(project=project, records=[{"external_id": "imported", "payload": "i"}])
    Item.objects.create(project=project, external_id="orm", content_hash="orm", payload="o", slots_open=1)
    Item.objects.bulk_create(
        [Item(project=project, external_id=f"bulk{n}", content_hash=f"b{n}", payload="b", slots_open=1) for n in (1, 2)]
    )
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY labeling_item (project_id, external_id, content_hash, payload, priority, is_gold, gold_explanation, "
            "is_exam, is_practice, slots_open, annotation_count, created_at) FROM STDIN"
        ) as copy,
    ):
        copy.write_row([project.pk, "copied", "c", '"c"', 0, False, "", False, False, 1, 0, timezone.now()])
    keys = dict(Item.objects.filter(project=project).values_list("external_id", "queue_key"))
    assert set(keys) == {"imported", "orm", "bulk1", "bulk2", "copied"}
    assert all(key is not None and 0 <= key < 1 for key in keys.values()) and len(set(keys.values())) == 5
