"""The upload adapter: an admin's choice of kind and answer column becomes labeling's flags and gold value."""

from __future__ import annotations

import io
import json

from backoffice.uploads import field_of, records_of_kind, upload_import
from labeling.models import Item
from labeling.services.item_formats import records_from_file


def test_label_studio_tasks_take_their_answer_from_data(make_project):
    project = make_project(regular=0)
    tasks = [
        {"id": 7, "data": {"text": "Loved it.", "answer": "positive"}},
        {"id": 8, "data": {"text": "No answer."}},
    ]
    report = upload_import(
        project=project,
        stream=io.BytesIO(json.dumps(tasks).encode()),
        filename="tasks.json",
        size=None,
        kind="gold",
        answer_column="answer",
    )
    assert report["created"] == 1 and [(e["row"], e["field"]) for e in report["errors"]] == [(2, "gold_value")]
    item = Item.objects.get(project=project, external_id="7")
    assert item.is_gold and not item.is_exam and item.gold_value == "positive" and item.payload == {"text": "Loved it."}


def test_jsonl_with_an_explicit_payload_and_a_multi_label_answer():
    lines = json.dumps({"payload": {"text": "Both."}, "labels": '["a", "b"]', "external_id": "m1"})
    records = list(records_of_kind(records_from_file(io.StringIO(lines), "jsonl"), kind="exam", answer_column="labels"))
    assert records == [
        {"payload": {"text": "Both."}, "external_id": "m1", "gold_value": ["a", "b"], "is_gold": True, "is_exam": True}
    ]


def test_plain_items_pass_through_untouched():
    record = {"payload": {"text": "x", "label": "kept"}}
    assert list(records_of_kind([record], kind="items", answer_column="label")) == [record]


def test_field_of_names_the_field_of_an_import_error():
    assert field_of("gold_value: Value must be one of ['a'].") == "gold_value"
    assert field_of("A gold item needs gold_value.") == "gold_value"
    assert field_of("priority must be an integer.") == "priority"
    assert field_of("Line 3 is not valid JSON.") == "row"
