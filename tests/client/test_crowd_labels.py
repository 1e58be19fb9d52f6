"""Bring your own crowd labels through the client: Snow et al. 2008 RTE, resolved, reported, exported."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ITEMS = 100


def test_rte_labels_uploaded_resolved_and_read_back(staff, shared_data):
    # Given the first 100 RTE items' crowd labels (10 workers each) and their expert answers, as DataFrames
    with open(shared_data / "snow2008" / "rte.standardized.tsv", newline="") as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t"))
    keep = sorted({row["orig_id"] for row in rows}, key=int)[:ITEMS]
    rows = [row for row in rows if row["orig_id"] in set(keep)]
    labels = pd.DataFrame({"item": [r["orig_id"] for r in rows], "rater": [r["!amt_worker_ids"] for r in rows]})
    labels["value"] = [r["response"] for r in rows]
    gold = pd.DataFrame(sorted({(r["orig_id"], r["gold"]) for r in rows}), columns=["item", "value"])

    # When staff upload them, creating the project, and resolve with Dawid-Skene
    summary = staff.annotations.import_table(
        "rte-client", labels, gold=gold, create=True, label_type="single", categories=["0", "1"]
    )
    project = staff.projects.find("rte-client")
    staff.resolutions.resolve(project, method="dawid_skene")

    # Then every label is stored, the report scores the consensus against the expert answers
    assert summary and staff.annotations.list(project=project).count == len(rows) == 10 * ITEMS
    report = staff.projects.report(project, bootstrap=0)
    assert (report["items"], report["annotations"], report["known_answer_items"]) == (ITEMS, 10 * ITEMS, ITEMS)
    items = staff.items.list(project).to_list()
    assert len(items) == ITEMS
    # And the consensus agrees with the experts on most items (Snow et al. report ~0.9 for 10 raters)
    current = {i["external_id"]: staff.resolutions.current(i["id"]) for i in items if i["annotation_count"]}
    expert = dict(zip(gold["item"], gold["value"], strict=True))
    agree = sum(str(r["label"]) == expert[key] for key, r in current.items() if r is not None)
    assert agree / len(current) > 0.8, (agree, len(current))
    # And the server's own consensus accuracy is the same figure
    assert report["accuracy"]["consensus"]["accuracy"] == pytest.approx(agree / len(current), abs=0.01)
