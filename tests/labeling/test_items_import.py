"""labeling/services/items.py and item_formats.py: import, validation and de-duplication per format."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from config.exceptions import ApplicationError
from labeling.models import Item
from labeling.services.item_formats import records_from_file
from labeling.services.items import content_hash, items_import

pytestmark = pytest.mark.django_db


def _import(project, text: str, fmt: str):
    return items_import(project=project, records=records_from_file(io.BytesIO(text.encode()), fmt))


def test_records_import_with_fields_and_slots(make_project):
    project = make_project(overlap=4)
    result = items_import(
        project=project,
        records=[
            {"external_id": "a", "payload": {"text": "hello"}, "priority": 3},
            {"payload": {"image": "https://example.org/1.png"}},
            {"external_id": 7, "payload": "plain text", "is_gold": True, "gold_value": "dog", "gold_explanation": "x"},
        ],
    )
    assert (result.created, result.duplicates, result.errors) == (3, 0, [])
    items = {i.external_id: i for i in Item.objects.filter(project=project)}
    assert items["a"].priority == 3 and items["a"].slots_open == 4
    assert items[None].payload == {"image": "https://example.org/1.png"}
    assert items[None].content_hash == content_hash({"image": "https://example.org/1.png"})
    assert items["7"].is_gold and items["7"].gold_value == "dog"


def test_dedup_by_external_id_then_by_content(project):
    first = items_import(
        project=project,
        records=[
            {"external_id": "a", "payload": {"t": 1}},
            {"payload": {"t": 2, "u": 3}},
            {"payload": {"u": 3, "t": 2}},  # same content, other key order: a duplicate
        ],
    )
    assert (first.created, first.duplicates) == (2, 1)
    second = items_import(
        project=project,
        records=[
            {"external_id": "a", "payload": {"t": "changed"}},  # same external id: duplicate
            {"external_id": "b", "payload": {"t": 2, "u": 3}},  # an id makes it a different item
            {"payload": {"t": 2, "u": 3}},
        ],
    )
    assert (second.created, second.duplicates) == (1, 2)
    assert Item.objects.filter(project=project).count() == 3
    assert Item.objects.get(external_id="a").payload == {"t": 1}


def test_same_content_in_two_projects_is_two_items(make_project):
    a, b = make_project(), make_project()
    for project in (a, b):
        assert items_import(project=project, records=[{"payload": "same"}]).created == 1


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"external_id": "x"}, "payload is required"),
        ({"payload": None}, "payload is required"),
        ("not an object", "must be an object"),
        ({"payload": 1, "priority": "high"}, "priority"),
        ({"payload": 1, "is_gold": "maybe"}, "is_gold"),
        ({"payload": 1, "is_gold": True}, "gold_value"),
        ({"payload": 1, "is_gold": True, "gold_value": "horse"}, "gold_value"),
        ({"payload": 1, "gold_value": "cat"}, "only allowed on gold"),
        ({"payload": 1, "colour": "red"}, "Unknown keys"),
        ({"payload": 1, "external_id": ["a"]}, "external_id"),
        ({"payload": "nul \x00 byte"}, "NUL"),
    ],
)
def test_bad_records_are_reported_and_skipped(project, record, reason):
    result = items_import(project=project, records=[{"payload": "good"}, record])
    assert result.created == 1 and result.error_count == 1
    assert result.errors[0]["index"] == 1 and reason in result.errors[0]["message"]
    assert Item.objects.count() == 1


def test_csv_import_and_dedup(project):
    text = 'external_id,text,priority,is_gold,gold_value\nc1,"Hello, world",2,,\nc2,Bye,,true,"""cat"""\n,Anon,,,\n'
    result = _import(project, text, "csv")
    assert (result.created, result.duplicates, result.error_count) == (3, 0, 0)
    assert Item.objects.get(external_id="c1").payload == {"text": "Hello, world"}
    assert Item.objects.get(external_id="c1").priority == 2
    assert Item.objects.get(external_id="c2").gold_value == "cat"
    again = _import(project, text, "csv")
    assert (again.created, again.duplicates) == (0, 3)


def test_csv_payload_column_and_bad_rows(project):
    text = 'payload,priority\n"{""a"": 1}",1\nnot json,2\n"{""a"": 1}",3\n'
    result = _import(project, text, "csv")
    assert (result.created, result.duplicates, result.error_count) == (1, 1, 1)
    assert "not valid JSON" in result.errors[0]["message"]


def test_jsonl_import_and_dedup(project):
    lines = [
        json.dumps({"external_id": "j1", "payload": {"text": "a"}}),
        json.dumps({"text": "bare payload", "priority": 4}),
        "{broken",
        "",
        json.dumps({"text": "bare payload", "priority": 1}),
    ]
    result = _import(project, "\n".join(lines), "jsonl")
    assert (result.created, result.duplicates, result.error_count) == (2, 1, 1)
    assert Item.objects.get(external_id=None).payload == {"text": "bare payload"}
    assert "Line 3" in result.errors[0]["message"]
    again = _import(project, "\n".join(lines), "jsonl")
    assert (again.created, again.duplicates) == (0, 3)


def test_label_studio_import_and_dedup(project):
    tasks = [
        {"id": 11, "data": {"text": "first"}},
        {"id": 12, "data": {"image": "https://example.org/a.jpg"}, "annotations": []},
        {"data": {"text": "no id", "external_id": "ls-3"}},
        {"id": 14, "nodata": True},
    ]
    result = _import(project, json.dumps(tasks), "labelstudio")
    assert (result.created, result.duplicates, result.error_count) == (3, 0, 1)
    assert Item.objects.get(external_id="12").payload == {"image": "https://example.org/a.jpg"}
    assert Item.objects.get(external_id="ls-3").payload == {"text": "no id"}
    again = _import(project, json.dumps(tasks), "labelstudio")
    assert (again.created, again.duplicates) == (0, 3)


def test_unreadable_files_raise_clear_errors(project):
    with pytest.raises(ApplicationError) as exc:
        _import(project, "{not json", "labelstudio")
    assert exc.value.extra["code"] == "invalid_file"
    with pytest.raises(ApplicationError) as exc:
        items_import(project=project, records=records_from_file(io.BytesIO(b"text\n\xff\xfe\n"), "csv"))
    assert exc.value.extra["code"] == "invalid_file"
    with pytest.raises(ApplicationError) as exc:
        records_from_file(io.BytesIO(b""), "xml")
    assert exc.value.extra["code"] == "unknown_format"


def test_progress_is_reported_per_batch(project, monkeypatch):
    monkeypatch.setattr("labeling.services.items.BATCH_SIZE", 10)
    seen = []
    result = items_import(project=project, records=({"payload": i} for i in range(25)), progress=seen.append)
    assert seen == [10, 10, 5] and result.created == 25


def test_import_items_command(project, tmp_path, capsys):
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps({"external_id": f"k{i}", "payload": {"n": i}}) for i in range(12)) + "\n")
    call_command("import_items", str(path), "--project", project.name)
    call_command("import_items", str(path), "--project", project.name, "--format", "jsonl")
    out = capsys.readouterr().out
    assert "created=12 duplicates=0 errors=0" in out
    assert "created=0 duplicates=12 errors=0" in out
    assert Item.objects.filter(project=project).count() == 12


def test_import_items_command_fails_when_a_record_is_rejected(project, tmp_path, capsys):
    from django.core.management.base import CommandError

    # Given a file where one record of three is not an object
    path = tmp_path / "items.jsonl"
    path.write_text('{"external_id": "a", "payload": {"n": 1}}\n7\n{"external_id": "b", "payload": {"n": 2}}\n')
    # The command exits non-zero and says how many were rejected; the two valid records are imported
    with pytest.raises(CommandError, match="1 record\\(s\\) rejected; the 2 valid new record"):
        call_command("import_items", str(path), "--project", project.name)
    assert "record 1:" in capsys.readouterr().err
    assert set(Item.objects.filter(project=project).values_list("external_id", flat=True)) == {"a", "b"}


def test_import_items_command_errors(project, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "items.xml"
    path.write_text("<items/>")
    with pytest.raises(CommandError, match="No project named"):
        call_command("import_items", str(path), "--project", "nope")
    with pytest.raises(CommandError, match="format"):
        call_command("import_items", str(path), "--project", project.name)
    with pytest.raises(CommandError, match="not a file"):
        call_command("import_items", str(tmp_path / "missing.csv"), "--project", project.name)
    assert not Item.objects.exists()
