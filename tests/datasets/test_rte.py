"""End to end on real crowd data: Snow et al. (2008) RTE, imported, resolved, built and exported to Parquet."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from django.core.management import call_command

from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from labeling.models import Project
from labeling.services.resolution import project_resolve


@pytest.mark.django_db
@pytest.mark.slow
def test_rte_version_exports_800_rows_with_consensus_votes_and_lineage(shared_data, tmp_path):
    # Given the RTE labels (8,000 labels of 800 items by 164 workers) as an item,rater,value CSV
    source = shared_data / "snow2008" / "rte.standardized.tsv"
    converted = tmp_path / "rte.csv"
    gold = {}
    with open(source, newline="") as tsv, open(converted, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["item", "rater", "value"])
        for row in csv.DictReader(tsv, delimiter="\t"):
            writer.writerow([row["orig_id"], row["!amt_worker_ids"], row["response"]])
            gold[row["orig_id"]] = row["gold"]

    # When it is imported with the real command, resolved, built and exported to Parquet
    call_command("import_annotations", str(converted), "--project", "rte", "--create", "--label-type", "single")
    project = Project.objects.get(name="rte")
    project_resolve(project=project)
    version = dataset_build(dataset=dataset_create(name="rte", project_ids=[project.pk]))
    output = tmp_path / "rte.parquet"
    call_command("dataset_export", "rte", "--version", str(version.number), "--format", "parquet",
                 "-o", str(output), verbosity=0)  # fmt: skip

    # Then pandas reads back 800 rows with the consensus label, the vote distribution and lineage
    frame = pd.read_parquet(output)
    assert len(frame) == 800 == version.row_count
    assert frame["item_external_id"].nunique() == 800
    assert set(frame["label"]) <= {"0", "1"}
    votes = frame["soft_label"].map(dict)
    assert all(abs(sum(v.values()) - 1.0) < 1e-6 for v in votes)
    assert all(set(v) <= {"0", "1"} for v in votes)
    assert (frame["annotation_count"] == 10).all()
    assert frame["rater_ids"].map(len).eq(10).all()
    assert frame["method"].notna().all() and (frame["kind"] == "automatic").all()
    assert set(frame["split"]) == {"train", "validation", "test"}
    # The consensus agrees with the experts' gold label on most items (majority vote: about 0.9)
    accuracy = (frame["label"] == frame["item_external_id"].map(gold)).mean()
    assert accuracy > 0.85
    # And no raw worker id leaks into the export
    worker_ids = {line.split("\t")[1] for line in source.read_text().splitlines()[1:]}
    assert not worker_ids & {r for raters in frame["rater_ids"] for r in raters}
    assert json.loads(frame["input"].iloc[0]) is not None
