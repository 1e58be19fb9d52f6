"""Resolved labels since a time, for retraining: API and CLI, ordered, gold never included."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from labeling.models import Project, Resolution
from labeling.services.resolution import project_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(tmp_path, django_capture_on_commit_callbacks) -> Project:
    path = tmp_path / "labels.csv"
    rows = [("a", "r1", "cat"), ("a", "r2", "cat"), ("b", "r1", "dog"), ("b", "r2", "dog"), ("c", "r1", "cat"),
            ("c", "r2", "dog"), ("g", "r1", "cat"), ("g", "r2", "cat")]  # fmt: skip
    path.write_text("item,rater,value\n" + "".join(f"{i},{r},{v}\n" for i, r, v in rows))
    gold = tmp_path / "gold.csv"
    gold.write_text("item,value\ng,cat\n")
    call_command(
        "import_annotations", str(path), project="retrain", create=True, label_type="single",
        categories="cat,dog", method="majority", gold=str(gold), gold_is_qc=True, verbosity=0,
    )  # fmt: skip
    project = Project.objects.get(name="retrain")
    with django_capture_on_commit_callbacks(execute=True):
        project_resolve(project=project, bootstrap=0)
    return project


def test_api_lists_settled_crowd_labels_after_since(api, staff, resolved):
    client = api(staff)
    url = f"/api/projects/{resolved.pk}/labels/"
    body = client.get(url).json()
    # Then the two settled items are listed (the tie "c" waits for a person; gold "g" is never a crowd label)
    assert [row["item"] for row in body["results"]] == ["a", "b"] and body["count"] == 2
    assert set(body["results"][0]) == {"item", "item_id", "value", "method", "confidence", "resolved_at"}
    assert body["results"][0]["value"] == "cat" and body["results"][0]["method"] == "majority"
    # And `since` keeps only later decisions
    first = Resolution.objects.get(item__external_id="a", is_current=True)
    Resolution.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(hours=1))  # an older decision
    since = (first.created_at - timedelta(minutes=30)).isoformat()
    later = client.get(url, {"since": since}).json()
    assert [row["item"] for row in later["results"]] == ["b"]
    for bad in ("yesterday", "2026-01-01", "2026-01-01T10:00:00"):
        response = client.get(url, {"since": bad})
        assert response.status_code == 400 and response.json()["extra"]["code"] == "invalid_since"


def test_raters_cannot_read_labels(api, resolved, make_rater):
    rater = make_rater(resolved)
    assert api(rater).get(f"/api/projects/{resolved.pk}/labels/").status_code == 403


def test_cli_jsonl_and_csv(resolved, tmp_path, capsys):
    call_command("resolved_labels", "retrain", verbosity=0)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["item"] for row in lines] == ["a", "b"]
    out = tmp_path / "labels.csv"
    call_command("resolved_labels", str(resolved.pk), format="csv", output=str(out), since="2000-01-01T00:00:00Z")
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["value"] for r in rows] == ["cat", "dog"]
    with pytest.raises(CommandError, match="RFC 3339"):
        call_command("resolved_labels", "retrain", since="last week")
