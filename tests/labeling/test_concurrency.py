"""50 raters at once through the real API on PostgreSQL: overlap holds, no lease is granted twice, no 5xx.

Each thread is one rater with its own database connection (Django opens one per thread), so the row
locks really contend. The test runs outside a wrapping transaction (transaction=True) for that reason.
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

from labeling.models import Annotation, Assignment, AssignmentStatus, Item
from labeling.services.instructions import instructions_acknowledge, instructions_publish
from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create

RATERS = 50
ITEMS = 1000
OVERLAP = 3
CATEGORIES = ["cat", "dog", "bird"]


def _open_for(project, rater) -> bool:
    """Whether an item still needs raters and this rater has not had it (the truth, read directly)."""
    return Item.objects.filter(project=project, slots_open__gt=0).exclude(assignments__rater=rater).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_raters_overlap_three_thousand_items():
    # Given a project with overlap 3, 1,000 items, instructions, and 50 raters who acknowledged them
    project = project_create(
        name="concurrency",
        label_type="single",
        categories=CATEGORIES,
        overlap=OVERLAP,
        pause_fast_share_above=None,  # random answers at machine speed are not what the pause rules are about
        pause_gold_accuracy_below=None,
    )
    instructions_publish(project=project, body="Pick the animal.")
    assert items_import(project=project, records=({"payload": {"n": i}} for i in range(ITEMS))).created == ITEMS
    users = get_user_model().objects
    raters = []
    for i in range(RATERS):
        rater = users.create_user(f"c-rater-{i}", password="pw-123456789")
        membership_add(project=project, user=rater)
        instructions_acknowledge(project=project, user=rater)
        raters.append(rater)

    leases: dict[int, list[tuple[int, int]]] = defaultdict(list)
    statuses: Counter = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(RATERS)

    def work(rater) -> None:
        client = APIClient()
        client.force_authenticate(rater)
        mine, seen = [], Counter()
        try:
            start.wait()
            while True:
                response = client.post(f"/api/projects/{project.pk}/tasks/next/")
                seen[response.status_code] += 1
                if response.status_code == 204:
                    # SKIP LOCKED may pass over an item another rater is leasing this instant: ask again
                    # while the database says something is still open for this rater.
                    if not _open_for(project, rater):
                        break
                    time.sleep(0.01)
                    continue
                if response.status_code != 200:
                    failures.append(f"{rater.username}: next -> {response.status_code} {response.content[:200]}")
                    break
                task = response.json()
                mine.append(task["task_id"])
                submitted = client.post(
                    f"/api/tasks/{task['task_id']}/submit/",
                    {"value": random.choice(CATEGORIES), "time_spent_ms": 5000},
                    format="json",
                )
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
    threads = [threading.Thread(target=work, args=(r,)) for r in raters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    elapsed = time.monotonic() - began
    assert not any(t.is_alive() for t in threads), "a rater thread hung"

    # Then: no errors and no 5xx
    assert failures == []
    assert set(statuses) <= {200, 201, 204}, statuses
    # No lease granted twice: every task id and every (item, rater) pair was handed out once
    item_of = {str(t): i for t, i in Assignment.objects.filter(project=project).values_list("task_id", "item_id")}
    granted = [(t, item_of[t], rater) for rater, tasks in leases.items() for t in tasks]
    assert len(granted) == ITEMS * OVERLAP
    assert len({a for a, _, _ in granted}) == len(granted)
    assert len({(item, rater) for _, item, rater in granted}) == len(granted)
    # Every item ends with exactly 3 annotations from 3 distinct raters
    per_item = defaultdict(set)
    for item_id, rater_id in Annotation.objects.filter(project=project).values_list("item_id", "rater_id"):
        per_item[item_id].add(rater_id)
    assert Annotation.objects.filter(project=project).count() == ITEMS * OVERLAP
    assert len(per_item) == ITEMS and all(len(r) == OVERLAP for r in per_item.values())
    assert set(Item.objects.filter(project=project).values_list("slots_open", "annotation_count")) == {(0, OVERLAP)}
    assert not Assignment.objects.exclude(status=AssignmentStatus.SUBMITTED).exists()
    # Work was spread over the raters, and the whole run stayed quick
    assert len([pairs for pairs in leases.values() if pairs]) > RATERS // 2
    print(f"\n50 raters, {ITEMS} items x {OVERLAP}: {len(granted)} leases in {elapsed:.1f}s; statuses {dict(statuses)}")
