"""The whole workflow from the client alone, against a live server and a real Celery worker.

Staff create a project, import 10,000 items in chunks with progress, add three scripted raters who label
through next/submit, resolve, build a dataset version and read it into pandas; the rows match the
resolutions the API reports. Labeling covers the first items of the queue only (each rater stops after
a fixed number of tasks): resolution and the dataset take what is labeled.
"""

from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq
import pytest
from celery.contrib.testing.worker import start_worker
from labeling_client import SKIP, ImportProgress, PermissionDeniedError, Task

from config import celery_app
from labeling.models import Item

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ITEMS = 10_000
TASKS_PER_RATER = 40
CATEGORIES = ["positive", "negative"]


def truth(task: Task) -> str:
    return CATEGORIES[int(task.payload["n"]) % 2]


def contrarian(task: Task) -> str:
    """Disagrees on every fifth item: two of three raters still agree, so the majority is the truth."""
    right = truth(task)
    return CATEGORIES[1 - CATEGORIES.index(right)] if int(task.payload["n"]) % 5 == 0 else right


def test_whole_workflow_from_the_client(staff, rater_client, tmp_path):
    # Given a project made by staff through the client
    project = staff.projects.create(
        "client-workflow",
        label_type="single",
        categories=CATEGORIES,
        overlap=3,
        lease_seconds=600,
        pause_fast_share_above=None,  # scripted raters answer in milliseconds: the speed rule is off here
    )
    staff.projects.publish_instructions(project, "Is the sentence positive or negative?")

    # When 10,000 items are imported in chunks of 1,000 with a progress callback
    seen: list[ImportProgress] = []
    records = ({"external_id": f"s-{n}", "payload": {"n": n, "text": f"sentence {n}"}} for n in range(ITEMS))
    result = staff.items.bulk_import(project, records, chunk_size=1000, progress=seen.append)

    # Then progress reached 10,000 in ten steps and the server holds 10,000 items
    assert [p.sent for p in seen] == list(range(1000, ITEMS + 1, 1000))
    assert seen[-1].created == ITEMS and result.created == ITEMS and result.error_count == 0
    assert Item.objects.filter(project_id=project["id"]).count() == ITEMS
    assert staff.items.count(project) == ITEMS

    # And importing the first chunk again stores nothing twice (external ids make retries idempotent)
    again = staff.items.bulk_import(project, [{"external_id": f"s-{n}", "payload": {"n": n}} for n in range(1000)])
    assert (again.created, again.duplicates) == (0, 1000)

    # When three scripted raters join through the API, acknowledge the instructions and label
    raters = {name: rater_client(name) for name in ("ann", "bob", "cid")}
    for name in raters:
        staff.projects.add_member(project, username=name)
    labelers = {"ann": truth, "bob": truth, "cid": contrarian}
    for name, client in raters.items():
        assert client.projects.current_instructions(project)["acknowledged"] is False
        client.projects.acknowledge_instructions(project)
        done = client.tasks.run(project, labelers[name], limit=TASKS_PER_RATER)
        assert done == TASKS_PER_RATER

    # Then staff see every annotation, page by page
    annotations = staff.annotations.list(project=project, page_size=50)
    assert annotations.count == 3 * TASKS_PER_RATER
    assert len(annotations.to_list()) == 3 * TASKS_PER_RATER
    # And a rater sees only their own
    assert raters["ann"].annotations.list(project=project).count == TASKS_PER_RATER

    # When staff resolve the project
    summary = staff.resolutions.resolve(project, now=True)
    assert summary

    labeled = [item for item in staff.items.list(project) if item["annotation_count"] > 0]
    resolutions = {item["external_id"]: staff.resolutions.current(item["id"]) for item in labeled}
    assert resolutions and all(r is not None for r in resolutions.values())
    # The contrarian is outvoted wherever all three labeled the item
    for item in labeled:
        if item["annotation_count"] == 3:
            n = item["payload"]["n"]
            assert resolutions[item["external_id"]]["label"] == CATEGORIES[n % 2]

    # And build a dataset version (a real worker builds it) and read it into pandas
    staff.datasets.create("client-workflow", projects=[project], train_fraction=0.8, validation_fraction=0.1)
    polled: list[float] = []
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        version = staff.datasets.build_and_wait(
            "client-workflow", timeout=60, poll=0.2, progress=lambda v: polled.append(v["progress"])
        )
    assert version["status"] == "ready" and polled and polled[-1] == 1.0
    frame = staff.datasets.to_pandas("client-workflow", version["number"])

    # Then the rows are the resolutions: same items, same labels
    assert len(frame) == version["row_count"] == len(resolutions)
    exported = dict(zip(frame["item_external_id"], frame["label"], strict=True))
    assert exported == {key: str(r["label"]) for key, r in resolutions.items()}
    assert set(frame["split"]) <= {"train", "validation", "test"}
    assert Counter(frame["label"]) == Counter(str(r["label"]) for r in resolutions.values())
    # And the same export as a pyarrow Table has the same rows
    table = staff.datasets.to_arrow("client-workflow", version["number"])
    assert table.num_rows == len(frame) and "soft_label" in table.column_names
    # And a download streamed to a file, with its byte count reported, holds the same table
    received: list[int] = []
    path = staff.datasets.download(
        "client-workflow", version["number"], tmp_path / "v.parquet", progress=received.append
    )
    assert received[-1] == path.stat().st_size > 0
    assert pq.read_table(path).equals(table)


def test_raters_label_until_nothing_is_left(staff, rater_client):
    # Given a small project with overlap 2 and two scripted raters
    project = staff.projects.create(
        "client-small", label_type="single", categories=CATEGORIES, overlap=2, pause_fast_share_above=None
    )
    staff.items.bulk_import(project, [{"external_id": f"k-{n}", "payload": {"n": n}} for n in range(6)])
    raters = [rater_client(name) for name in ("dee", "eve")]
    for client in raters:
        staff.projects.add_member(project, username=client.me()["username"])

    # When each runs until the server has no task left for them (one skips item 0)
    counts = []
    for index, client in enumerate(raters):
        counts.append(
            client.tasks.run(project, lambda t, i=index: SKIP if (i == 1 and t.payload["n"] == 0) else truth(t))
        )

    # Then each handled every item once, the next lease is None, and the skip is not an annotation
    assert counts == [6, 6]
    assert all(client.tasks.next(project) is None for client in raters)
    assert staff.annotations.list(project=project).count == 11


def test_a_scripted_rater_follows_new_instructions_mid_run(staff, rater_client):
    # Given a rater labeling under instructions v1
    project = staff.projects.create(
        "client-instructions", label_type="single", categories=CATEGORIES, overlap=1, pause_fast_share_above=None
    )
    staff.items.bulk_import(project, [{"external_id": f"i-{n}", "payload": {"n": n}} for n in range(6)])
    staff.projects.publish_instructions(project, "v1")
    rater = rater_client("ivy")
    staff.projects.add_member(project, username="ivy")
    seen: list[tuple[int, int | None]] = []

    def labeler(task: Task) -> str:
        seen.append((task.payload["n"], task.instruction_version))
        if len(seen) == 3:  # staff publish v2 while the rater holds the third task
            staff.projects.publish_instructions(project, "v2: read this first")
        return truth(task)

    # When the rater runs with acknowledge_instructions
    done = rater.tasks.run(project, labeler, acknowledge_instructions=True)

    # Then the label made under v1 for the third task was refused, asked again under v2, and all six saved
    assert done == 6
    assert seen[2][1] == 1 and seen[3] == (seen[2][0], 2)
    assert {version for _, version in seen[4:]} == {2}
    saved = staff.annotations.list(project=project).to_list()
    assert len(saved) == 6 and [a["instruction_version"] for a in saved].count(2) == 4

    # And without the option the same situation is an error the script sees
    staff.items.bulk_import(project, [{"external_id": "i-late", "payload": {"n": 7}}])
    staff.projects.publish_instructions(project, "v3")
    with pytest.raises(PermissionDeniedError) as caught:
        rater.tasks.run(project, truth)
    assert caught.value.code == "instructions_not_acknowledged"
