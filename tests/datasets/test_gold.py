"""The gold policy: gold is never a crowd label; it is left out, or exported with its known answer, flagged.

The project's gold items are answered "wrongly" by the crowd on purpose (majority "cat", known answer
"bird"), and one of them even has a current crowd resolution left from before the crowd rule, so a
build that took gold from resolutions would export "cat".
"""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from datasets.models import Dataset, DatasetVersion, GoldPolicy
from datasets.selectors.drift import versions_diff
from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from datasets.services.export import version_export_chunks
from labeling.models import Resolution, ResolutionKind
from labeling.services.annotation_import import annotations_import
from labeling.services.items import items_import
from labeling.services.projects import project_create
from labeling.services.resolution import project_resolve

pytestmark = pytest.mark.django_db

CATEGORIES = ["cat", "dog", "bird"]
REGULAR, GOLD = 20, 5


@pytest.fixture
def gold_project(db):
    project = project_create(name="ds-gold", label_type="single", categories=CATEGORIES, overlap=3)
    records = [{"external_id": f"r{k:02d}", "payload": {"text": f"regular {k}"}} for k in range(REGULAR)]
    records += [
        {"external_id": f"g{k}", "payload": {"text": f"check {k}"}, "is_gold": True, "gold_value": "bird",
         "gold_explanation": "Feathers and a beak."}
        for k in range(GOLD)
    ]  # fmt: skip
    records.append({"external_id": "exam", "payload": {"text": "exam"}, "is_exam": True})
    imported = items_import(project=project, records=records)
    assert project.items.count() == REGULAR + GOLD + 1, imported
    # Regular items: unanimous, except every fourth, where one rater disagrees (confidence 2/3)
    rows = [
        (f"r{k:02d}", f"w{r}", CATEGORIES[(k + 1) % 3] if r == 2 and k % 4 == 0 else CATEGORIES[k % 3])
        for k in range(REGULAR)
        for r in range(3)
    ]
    rows += [(f"g{k}", f"w{r}", "dog" if r == 2 else "cat") for k in range(GOLD) for r in range(3)]
    rows += [("exam", f"w{r}", "cat") for r in range(3)]
    annotations_import(project_name=project.name, rows=pd.DataFrame(rows, columns=["item", "rater", "value"]))
    project_resolve(project=project, method="majority", bootstrap=0)
    # A crowd resolution of a gold item written before the crowd rule (a resolve now would retire it)
    Resolution.objects.create(
        project=project, item=project.items.get(external_id="g0"), kind=ResolutionKind.AUTOMATIC, method="majority",
        label="cat", confidence=0.6667, distribution={"cat": 0.6667, "dog": 0.3333}, annotation_count=3,
    )  # fmt: skip
    return project


@pytest.fixture
def staff_client(db):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user(username="ds-gold-staff", is_staff=True))
    return client


def _parquet(client, name: str, number: int) -> pd.DataFrame:
    response = client.get(f"/api/datasets/{name}/versions/{number}/export/parquet/")
    assert response.status_code == 200
    return pd.read_parquet(io.BytesIO(b"".join(response.streaming_content)))


def test_gold_is_left_out_by_default(gold_project, staff_client):
    # Given a definition made through the API without a gold policy
    created = staff_client.post(
        "/api/datasets/", {"name": "ds-default", "project_ids": [gold_project.pk]}, format="json"
    )
    assert created.status_code == 201 and created.json()["gold"] == "exclude"
    version = dataset_build(dataset=Dataset.objects.get(name="ds-default"))

    # Then only regular items are exported, as crowd labels; no gold (not even its old resolution), no exam item
    frame = _parquet(staff_client, "ds-default", version.number)
    assert sorted(frame["key"]) == [f"ds-gold/r{k:02d}" for k in range(REGULAR)]
    assert set(frame["source"]) == {"human"} and "cat" in set(frame["label"])
    assert version.source_counts == {"human": REGULAR} and version.definition["gold"] == "exclude"


def test_known_answer_exports_gold_flagged_with_its_answer_never_the_crowds(gold_project, staff_client):
    # Given the same projects exported under each policy
    excluded = dataset_build(dataset=dataset_create(name="ds-exclude", project_ids=[gold_project.pk]))
    known = dataset_build(
        dataset=dataset_create(name="ds-known", project_ids=[gold_project.pk], gold=GoldPolicy.KNOWN_ANSWER)
    )

    # Then the Parquet holds every gold item once, labeled with its known answer and flagged source "gold"
    frame = _parquet(staff_client, "ds-known", known.number).set_index("key")
    gold = frame[frame["source"] == "gold"]
    assert sorted(gold.index) == [f"ds-gold/g{k}" for k in range(GOLD)]
    assert set(gold["label"]) == {"bird"}  # the crowd said "cat"
    assert set(gold["method"]) == {"known_answer"} and set(gold["kind"]) == {"gold"}
    assert set(gold["confidence"]) == {1.0} and set(gold["rationale"]) == {"Feathers and a beak."}
    assert gold["rater_ids"].isna().all() and gold["annotation_count"].isna().all()  # no rater made these labels
    assert "ds-gold/exam" not in frame.index  # exam items never, under any policy

    # And the crowd rows are the same rows as without gold
    crowd = frame[frame["source"] == "human"]
    plain = _parquet(staff_client, "ds-exclude", excluded.number).set_index("key")
    pd.testing.assert_frame_equal(crowd.sort_index(), plain.sort_index(), check_dtype=False)  # int with nulls

    # And the figures and the hash say so; a rebuild reproduces the hash
    assert known.source_counts == {"gold": GOLD, "human": REGULAR} and known.row_count == REGULAR + GOLD
    assert known.label_counts["bird"] == excluded.label_counts.get("bird", 0) + GOLD
    assert known.content_hash != excluded.content_hash
    assert dataset_build(dataset=Dataset.objects.get(name="ds-known")).content_hash == known.content_hash

    # And CSV and JSONL carry the same flag and label
    text = b"".join(version_export_chunks(version=known, fmt="csv")).decode()
    csv_gold = {row["key"]: row for row in csv.DictReader(io.StringIO(text)) if row["source"] == "gold"}
    assert len(csv_gold) == GOLD and {row["label"] for row in csv_gold.values()} == {"bird"}
    lines = b"".join(version_export_chunks(version=known, fmt="jsonl")).decode().splitlines()
    jsonl_gold = [record for record in map(json.loads, lines) if record["source"] == "gold"]
    assert len(jsonl_gold) == GOLD and {record["label"] for record in jsonl_gold} == {"bird"}


def test_changing_the_policy_shows_in_the_diff_and_the_lineage(gold_project, staff_client):
    # Given a version built without gold, then the policy changed through the API and a new version built
    dataset_create(name="ds-switch", project_ids=[gold_project.pk])
    call_command("dataset_build", "ds-switch", verbosity=0, stdout=io.StringIO())
    patched = staff_client.patch("/api/datasets/ds-switch/", {"gold": "known_answer"}, format="json")
    assert patched.status_code == 200 and patched.json()["gold"] == "known_answer"
    call_command("dataset_build", "ds-switch", verbosity=0, stdout=io.StringIO())

    # Then the diff counts the gold rows as added, by source, and the versions record their policy
    old, new = DatasetVersion.objects.filter(dataset__name="ds-switch").order_by("number")
    diff = versions_diff(old=old, new=new)
    assert diff["added"] == GOLD and diff["removed"] == diff["relabeled"] == diff["source_changed"] == 0
    assert diff["by_source"]["gold"]["added"] == GOLD and diff["by_source"]["human"]["added"] == 0
    assert diff["source_counts"] == {"old": {"human": REGULAR}, "new": {"gold": GOLD, "human": REGULAR}}
    detail = staff_client.get("/api/datasets/ds-switch/versions/2/").json()
    assert detail["gold"] == "known_answer" and detail["definition"]["gold"] == "known_answer"
    assert staff_client.get("/api/datasets/ds-switch/versions/1/").json()["gold"] == "exclude"

    # And the build command sets the policy back for later builds
    out = io.StringIO()
    call_command("dataset_build", "ds-switch", "--gold", "exclude", verbosity=0, stdout=out)
    assert "v3: 20 rows" in out.getvalue() and "gold: exclude" in out.getvalue()
    assert DatasetVersion.objects.get(dataset__name="ds-switch", number=3).content_hash == old.content_hash


def test_a_careless_admin_cannot_store_a_bad_policy(gold_project, staff_client):
    # An unknown policy is refused at creation and at change, and nothing is stored
    bad = staff_client.post(
        "/api/datasets/", {"name": "ds-bad", "project_ids": [gold_project.pk], "gold": "crowd"}, format="json"
    )
    assert bad.status_code == 400 and not Dataset.objects.filter(name="ds-bad").exists()
    with pytest.raises(Exception) as refused:
        dataset_create(name="ds-bad", project_ids=[gold_project.pk], gold="majority")
    assert refused.value.extra["code"] == "unknown_gold_policy" and not Dataset.objects.filter(name="ds-bad").exists()

    dataset_create(name="ds-kept", project_ids=[gold_project.pk], gold=GoldPolicy.KNOWN_ANSWER)
    assert staff_client.patch("/api/datasets/ds-kept/", {"gold": "crowd"}, format="json").status_code == 400
    assert staff_client.patch("/api/datasets/ds-kept/", {}, format="json").status_code == 400
    assert Dataset.objects.get(name="ds-kept").gold == GoldPolicy.KNOWN_ANSWER

    # A non-staff user cannot change it at all
    rater = APIClient()
    rater.force_authenticate(get_user_model().objects.create_user(username="ds-gold-rater"))
    assert rater.patch("/api/datasets/ds-kept/", {"gold": "exclude"}, format="json").status_code == 403
    assert Dataset.objects.get(name="ds-kept").gold == GoldPolicy.KNOWN_ANSWER


def test_filters_apply_to_gold_rows_where_they_mean_something(gold_project):
    # Adjudicated-only keeps human decisions only: no crowd label and no known answer
    adjudicated = dataset_create(
        name="ds-adj", project_ids=[gold_project.pk], gold=GoldPolicy.KNOWN_ANSWER, adjudicated_only=True
    )
    assert dataset_build(dataset=adjudicated).row_count == 0
    # A confidence floor of 1 keeps the known answers (confidence 1) and the unanimous crowd labels only
    sure = dataset_create(
        name="ds-sure", project_ids=[gold_project.pk], gold=GoldPolicy.KNOWN_ANSWER, min_confidence=1.0
    )
    assert dataset_build(dataset=sure).source_counts == {"gold": GOLD, "human": REGULAR - REGULAR // 4}
