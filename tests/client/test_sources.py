"""Item import from a CSV, a JSONL file and a DataFrame; the client reads files the way the server does."""

from __future__ import annotations

import pandas as pd
import pytest
from labeling_client import BadRequestError, WaitTimeoutError
from labeling_client.resources.records import records_and_total

from config import celery_app
from labeling.models import Item
from labeling.services.item_formats import parse_csv, parse_jsonl

CSV = (
    "external_id,text,priority,is_gold,gold_value,payload_note\n"
    'c1,"a, quoted" text,5,,,x\n'
    "c2,plain,,true,pos,\n"
    'c3,"line\nbreak",1,false,,y\n'
)
JSONL = (
    '{"external_id": "j1", "payload": {"text": "with payload"}}\n'
    "\n"
    '{"external_id": "j2", "text": "bare", "priority": 2}\n'
)


def test_the_client_reads_csv_and_jsonl_like_the_server(tmp_path):
    csv_path, jsonl_path = tmp_path / "items.csv", tmp_path / "items.jsonl"
    csv_path.write_text(CSV)
    jsonl_path.write_text(JSONL)

    for path, server_parse in ((csv_path, parse_csv), (jsonl_path, parse_jsonl)):
        ours, total = records_and_total(path)
        with path.open("rb") as handle:
            theirs = list(server_parse(handle))
        assert list(ours) == theirs and total is None


@pytest.mark.django_db(transaction=True)
def test_files_and_frames_import_with_a_tqdm_bar(staff, tmp_path, capsys):
    project = staff.projects.create("client-sources", label_type="single", categories=["pos", "neg"])
    csv_path, jsonl_path = tmp_path / "items.csv", tmp_path / "items.jsonl"
    csv_path.write_text(CSV)
    jsonl_path.write_text(JSONL)
    frame = pd.DataFrame({"external_id": [f"d{n}" for n in range(25)], "text": [f"t{n}" for n in range(25)]})
    frame.loc[3, "text"] = float("nan")  # a missing cell is None in the payload, not NaN

    results = [
        staff.items.bulk_import(project, csv_path, chunk_size=2),
        staff.items.bulk_import(project, jsonl_path),
        staff.items.bulk_import(project, frame, chunk_size=10, progress=True),
    ]

    assert [r.created for r in results] == [3, 2, 25] and [r.chunks for r in results] == [2, 1, 3]
    assert "25/25" in capsys.readouterr().err  # the tqdm bar reached the total
    stored = {i.external_id: i for i in Item.objects.filter(project_id=project["id"])}
    assert stored["c1"].payload == {"text": "a, quoted text", "payload_note": "x"} and stored["c1"].priority == 5
    assert stored["c2"].is_gold and stored["c2"].gold_value == "pos"
    assert stored["j2"].payload == {"text": "bare"} and stored["j2"].priority == 2
    assert stored["d3"].payload == {"text": None}


@pytest.mark.django_db(transaction=True)
def test_refused_rows_are_reported_with_their_index_in_the_whole_input(staff):
    project = staff.projects.create("client-refused", label_type="single", categories=["pos", "neg"])
    records = [{"external_id": f"r{n}", "payload": {"n": n}} for n in range(7)]
    records[5] = {"external_id": "r5", "payload": {"n": 5}, "is_gold": True, "gold_value": "not-a-category"}

    result = staff.items.bulk_import(project, records, chunk_size=3)

    assert (result.created, result.error_count) == (6, 1)
    assert result.errors[0]["index"] == 5 and result.errors[0]["external_id"] == "r5"
    with pytest.raises(BadRequestError) as caught:
        staff.items.bulk_import(project, records, chunk_size=3, raise_on_error=True)
    assert caught.value.code == "invalid_records" and caught.value.extra["errors"][0]["index"] == 5


@pytest.mark.django_db(transaction=True)
def test_waiting_for_a_build_nobody_runs_times_out(staff):
    """No worker is running: the version stays `building` and the wait ends with WaitTimeoutError."""
    project = staff.projects.create("client-wait", label_type="single", categories=["pos", "neg"])
    staff.datasets.create("client-wait", projects=[project])
    started = staff.datasets.build("client-wait")
    assert started["status"] == "building"
    polled = []
    try:
        with pytest.raises(WaitTimeoutError) as caught:
            staff.datasets.wait("client-wait", started["number"], timeout=0.5, poll=0.1, progress=polled.append)
    finally:
        celery_app.control.purge()  # the queued build would otherwise wait in Redis for a later test's worker
    assert "building" in str(caught.value) and len(polled) >= 2
    assert all(version["status"] == "building" for version in polled)
