"""50 raters at once through the real API with adaptive overlap on: every assignment guarantee holds.

No item past its maximum, no rater twice on an item, no lease granted twice, and every finished item at
or above the target or at the maximum. Like tests/labeling/test_concurrency.py, each thread is one rater
with its own database connection, outside a wrapping transaction, so the row locks really contend.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from labeling.models import Annotation, Assignment, AssignmentStatus, Item, ItemOverlapDecision
from labeling.services.instructions import instructions_acknowledge, instructions_publish
from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create

RATERS = 50
ITEMS = 120
MIN, MAX, TARGET = 2, 5, 0.95
CATEGORIES = ["cat", "dog", "bird"]


def _open_for(project, rater) -> bool:
    return Item.objects.filter(project=project, slots_open__gt=0).exclude(assignments__rater=rater).exists()


def _in_flight(project) -> bool:
    """Some lease is out: its submit may still open a slot for this rater."""
    return Assignment.objects.filter(project=project, status=AssignmentStatus.LEASED).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_raters_adaptive_overlap_keeps_every_guarantee():
    # Given an adaptive project (min 2, max 5, target 0.95), 120 items whose true label is fixed, 50 raters
    project = project_create(
        name="adaptive-concurrency",
        label_type="single",
        categories=CATEGORIES,
        overlap_policy="adaptive",
        overlap_min=MIN,
        overlap_max=MAX,
        overlap_target=TARGET,
        pause_fast_share_above=None,
        pause_gold_accuracy_below=None,
    )
    instructions_publish(project=project, body="Pick the animal.")
    items_import(project=project, records=({"payload": {"n": i}} for i in range(ITEMS)))
    truth = {item.pk: CATEGORIES[item.payload["n"] % 3] for item in Item.objects.filter(project=project)}
    users = get_user_model().objects
    raters = []
    for i in range(RATERS):
        rater = users.create_user(f"a-rater-{i}", password="pw-123456789")
        membership_add(project=project, user=rater)
        instructions_acknowledge(project=project, user=rater)
        raters.append(rater)

    leases: dict[int, list[str]] = defaultdict(list)
    statuses: Counter = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(RATERS)

    def work(rater, seed: int) -> None:
        rng = random.Random(seed)
        client = APIClient()
        client.force_authenticate(rater)
        mine, seen = [], Counter()
        try:
            start.wait()
            idle_since = None
            while True:
                response = client.post(f"/api/projects/{project.pk}/tasks/next/")
                seen[response.status_code] += 1
                if response.status_code == 204:
                    # A slot may still open when another rater's submit leaves an item unsure.
                    if not _open_for(project, rater) and not _in_flight(project):
                        break
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since > 30:
                        break
                    time.sleep(0.02)
                    continue
                idle_since = None
                if response.status_code != 200:
                    failures.append(f"{rater.username}: next -> {response.status_code} {response.content[:200]}")
                    break
                task = response.json()
                mine.append(task["task_id"])
                item_id = Assignment.objects.get(task_id=task["task_id"]).item_id
                # Raters are right 80% of the time
                value = truth[item_id] if rng.random() < 0.8 else rng.choice(CATEGORIES)
                submitted = client.post(f"/api/tasks/{task['task_id']}/submit/", {"value": value}, format="json")
                seen[submitted.status_code] += 1
                if submitted.status_code != 201:
                    failures.append(f"{rater.username}: submit -> {submitted.status_code} {submitted.content[:200]}")
                    break
        except Exception:  # noqa: BLE001 - a crash in a thread must fail the test, not vanish
            failures.append(traceback.format_exc())
        finally:
            connection.close()
            with lock:
                leases[rater.pk] = mine
                statuses.update(seen)

    # When they all work at once
    began = time.monotonic()
    threads = [threading.Thread(target=work, args=(r, i)) for i, r in enumerate(raters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.monotonic() - began
    assert not any(t.is_alive() for t in threads), "a rater thread hung"

    # Then no errors, no 5xx
    assert failures == []
    assert set(statuses) <= {200, 201, 204}, statuses
    # Each lease granted once: every task id and (item, rater) pair handed out once
    item_of = {str(t): i for t, i in Assignment.objects.filter(project=project).values_list("task_id", "item_id")}
    granted = [(t, item_of[t], rater) for rater, tasks in leases.items() for t in tasks]
    assert len({t for t, _, _ in granted}) == len(granted)
    assert len({(item, rater) for _, item, rater in granted}) == len(granted)
    # No item past max, no rater twice, every item finished at or above target or at max
    per_item: dict[int, list[int]] = defaultdict(list)
    for item_id, rater_id in Annotation.objects.filter(project=project).values_list("item_id", "rater_id"):
        per_item[item_id].append(rater_id)
    assert len(per_item) == ITEMS
    assert all(MIN <= len(r) <= MAX and len(set(r)) == len(r) for r in per_item.values())
    decisions = {d.item_id: d for d in ItemOverlapDecision.objects.filter(project=project)}
    assert len(decisions) == ITEMS
    for item_id, decision in decisions.items():
        assert decision.outcome == "done", decision
        assert decision.raters_used == len(per_item[item_id])
        assert decision.confidence >= TARGET or (decision.raters_used == MAX and decision.reason == "max_reached")
    assert set(Item.objects.filter(project=project).values_list("slots_open", flat=True)) == {0}
    assert not Assignment.objects.exclude(status=AssignmentStatus.SUBMITTED).exists()
    # Adaptive overlap spent fewer labels than the maximum would have, and some items needed more than the minimum
    used = sum(len(r) for r in per_item.values())
    assert MIN * ITEMS < used < MAX * ITEMS
    print(
        f"\n50 raters, {ITEMS} adaptive items: {used} labels ({used / ITEMS:.2f}/item) in {elapsed:.1f}s; "
        f"{dict(statuses)}"
    )
