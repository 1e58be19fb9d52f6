"""datasets/services/export.py: Parquet, CSV and JSONL exports streamed in chunks."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from config.exceptions import ConflictError
from datasets.services.build import dataset_build, dataset_version_create
from datasets.services.export import SCHEMA, version_export_chunks, version_export_to_file
from tests.datasets.conftest import add_direct_labels


@pytest.fixture
def version(dataset):
    return dataset_build(dataset=dataset)


@pytest.mark.django_db
def test_parquet_export_reads_back_with_labels_soft_labels_and_lineage(version):
    out = io.BytesIO()
    version_export_to_file(version=version, fmt="parquet", out=out, chunk_size=8)
    table = pq.read_table(pa.BufferReader(out.getvalue()))

    assert table.schema == SCHEMA
    assert table.num_rows == 30
    rows = {row["key"]: row for row in table.to_pylist()}
    row = rows["ds-project/item-001"]
    assert row["label"] == "a" and row["source"] == "human" and row["split"] in {"train", "validation", "test"}
    assert row["soft_label"] == [("a", 0.75), ("b", 0.25)]
    assert row["method"] == "majority" and row["kind"] == "automatic" and row["annotation_count"] == 3
    assert len(row["rater_ids"]) == 3 and all(r.startswith("r-") or r for r in row["rater_ids"])
    assert json.loads(row["input"]) == {"text": "text of item-001"}
    assert row["label_time"].tzinfo is not None and row["request_id"] is None


@pytest.mark.django_db
def test_export_streams_in_chunks(version):
    chunks = list(version_export_chunks(version=version, fmt="parquet", chunk_size=10))
    # one row group per page of 10 rows, then the footer
    assert len([chunk for chunk in chunks if chunk]) >= 3
    metadata = pq.ParquetFile(pa.BufferReader(b"".join(chunks))).metadata
    assert metadata.num_row_groups == 3 and metadata.num_rows == 30


@pytest.mark.django_db
def test_csv_and_jsonl_exports(version):
    csv_bytes = b"".join(version_export_chunks(version=version, fmt="csv", chunk_size=7))
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode())))
    assert len(rows) == 30 and rows[0].keys() == set(SCHEMA.names)
    first = next(row for row in rows if row["key"] == "ds-project/item-001")
    assert json.loads(first["soft_label"]) == {"a": 0.75, "b": 0.25} and len(json.loads(first["rater_ids"])) == 3

    lines = b"".join(version_export_chunks(version=version, fmt="jsonl")).decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 30
    record = next(r for r in records if r["key"] == "ds-project/item-001")
    assert record["soft_label"] == {"a": 0.75, "b": 0.25} and record["input"] == {"text": "text of item-001"}


@pytest.mark.django_db
def test_direct_label_export_has_request_lineage(db):
    from datasets.services.definitions import dataset_create

    add_direct_labels("ranker", [{"request_id": "r-9", "label": 1.0, "user_id": "u", "features": {"f": "x"}}])
    version = dataset_build(dataset=dataset_create(name="ds-direct-export", direct_model="ranker"))
    out = io.BytesIO()
    version_export_to_file(version=version, fmt="parquet", out=out)
    (row,) = pq.read_table(pa.BufferReader(out.getvalue())).to_pylist()
    assert row["request_id"] == "r-9" and row["label"] == "1.0" and row["model_version"] == "m-1"
    assert row["downsampling_rate"] == 0.5 and json.loads(row["features"]) == {"f": "x"}
    assert row["soft_label"] is None and row["window_start"] < row["window_end"]


@pytest.mark.django_db
def test_only_ready_versions_export(dataset):
    building = dataset_version_create(dataset=dataset)
    with pytest.raises(ConflictError):
        list(version_export_chunks(version=building, fmt="parquet"))


@pytest.mark.django_db
def test_awkward_text_survives_the_export(project, raters):
    from datasets.services.definitions import dataset_create
    from tests.datasets.conftest import add_labeled_items

    labels = {"na": "NA", "null": "null", "empty": "", "comma": 'a, "quoted"\nline', "unicode": "äß→"}
    add_labeled_items(project, raters[:1], labels)
    version = dataset_build(dataset=dataset_create(name="ds-awkward", project_ids=[project.pk]))
    out = io.BytesIO()
    version_export_to_file(version=version, fmt="parquet", out=out)
    exported = {
        row["item_external_id"]: row["label"] for row in pq.read_table(pa.BufferReader(out.getvalue())).to_pylist()
    }
    assert exported == labels


@pytest.mark.django_db
def test_array_elements_with_separators_and_quotes_round_trip(db):
    from datasets.services.definitions import dataset_create

    events = ["a,b", 'q"uote', "back\\slash", "{brace}", "NULL"]
    add_direct_labels("ranker", [{"request_id": "r-1", "label": 0.0, "user_id": "u", "features": {}, "events": events}])
    version = dataset_build(dataset=dataset_create(name="ds-arrays", direct_model="ranker"))
    out = io.BytesIO()
    version_export_to_file(version=version, fmt="parquet", out=out)
    (row,) = pq.read_table(pa.BufferReader(out.getvalue())).to_pylist()
    assert row["feedback_event_ids"] == events


@pytest.mark.django_db
def test_formula_cells_are_neutralised_in_csv_and_raw_in_parquet_and_jsonl(project, raters):
    from datasets.services.definitions import dataset_create
    from tests.datasets.conftest import add_labeled_items

    # Given external ids and labels that a spreadsheet would run as formulas
    labels = {
        "=cmd|' /C calc'!A0": "+SUM(1+1)",
        '=HYPERLINK("http://evil.example","x")': "@SUM(A1)",
        "-2+3": "\tTAB",
        "plain": "a-b",
    }
    add_labeled_items(project, raters[:1], labels)
    version = dataset_build(dataset=dataset_create(name="ds-formulas", project_ids=[project.pk]))

    # When the version is exported in each format
    exports = {}
    for fmt in ("csv", "jsonl", "parquet"):
        out = io.BytesIO()
        version_export_to_file(version=version, fmt=fmt, out=out)
        exports[fmt] = out.getvalue()

    # Then the CSV prefixes a quote to every formula cell, and Parquet and JSONL keep the raw values
    csv_rows = list(csv.DictReader(io.StringIO(exports["csv"].decode())))
    assert {row["item_external_id"]: row["label"] for row in csv_rows} == {
        "'=cmd|' /C calc'!A0": "'+SUM(1+1)",
        '\'=HYPERLINK("http://evil.example","x")': "'@SUM(A1)",
        "'-2+3": "'\tTAB",
        "plain": "a-b",
    }
    jsonl_rows = [json.loads(line) for line in exports["jsonl"].decode().splitlines()]
    assert {row["item_external_id"]: row["label"] for row in jsonl_rows} == labels
    parquet_rows = pq.read_table(pa.BufferReader(exports["parquet"])).to_pylist()
    assert {row["item_external_id"]: row["label"] for row in parquet_rows} == labels


@pytest.mark.django_db
def test_direct_label_export_carries_maturity_and_delayed_feedback_weights():
    from datetime import timedelta

    from datasets.services.definitions import dataset_create
    from feedback.models import DelayDistribution, LabelRule

    add_direct_labels(
        "ranker",
        [
            {"request_id": "pos", "label": 1.0, "features": {"id": str(2**60)}},
            {"request_id": "neg", "label": 0.0, "features": {}},
        ],
    )
    rule = LabelRule.objects.get(model="ranker")
    # Late feedback may still flip the negative for a day: provisional, with the delay model's probability.
    LabelRule.objects.filter(pk=rule.pk).update(late_policy="correct", maturity_horizon=timedelta(days=1))
    DelayDistribution.objects.create(
        rule=rule, computed_at=rule.created_at, horizon_seconds=86400, cohort_requests=10, cohort_positives=5,
        conversion_rate=0.5, cdf=[[1800.0, 0.5], [86400.0, 1.0]],
    )  # fmt: skip
    version = dataset_build(dataset=dataset_create(name="ds-maturity", direct_model="ranker"))
    out = io.BytesIO()
    version_export_to_file(version=version, fmt="parquet", out=out)
    rows = {r["request_id"]: r for r in pq.read_table(pa.BufferReader(out.getvalue())).to_pylist()}
    # The negative is an hour old (window_start = served_at): F = 0.5, q = 0.5 * 0.5 / (1 - 0.25) = 1/3.
    assert rows["neg"]["maturity"] == "provisional"
    assert rows["neg"]["conversion_probability"] == pytest.approx(1 / 3)
    assert rows["neg"]["importance_weight"] == pytest.approx(2 / 3)
    assert 3500 < rows["neg"]["age_seconds"] < 3700
    assert (rows["pos"]["maturity"], rows["pos"]["importance_weight"]) == ("final", 1.0)
    assert json.loads(rows["pos"]["features"]) == {"id": "1152921504606846976"}
