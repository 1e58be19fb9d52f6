"""Item import over HTTP: JSON records, CSV / JSONL / Label Studio uploads, size limit; and listing."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from labeling.models import Item

pytestmark = pytest.mark.django_db


def _url(project) -> str:
    return f"/api/projects/{project.pk}/items/"


def test_json_list_and_records_object(api, project, staff):
    client = api(staff)
    first = client.post(_url(project), [{"external_id": "a", "payload": {"text": "x"}}, {"payload": 2}], format="json")
    assert first.status_code == 200
    assert first.json() == {"created": 2, "duplicates": 0, "error_count": 0, "errors": []}
    second = client.post(_url(project), {"records": [{"external_id": "a", "payload": 9}, {"bad": 1}]}, format="json")
    assert second.json()["created"] == 0 and second.json()["duplicates"] == 1 and second.json()["error_count"] == 1
    assert second.json()["errors"][0]["index"] == 1


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("items.csv", "external_id,text\nc1,hello\nc2,bye\nc1,again\n", None),
        ("items.jsonl", '{"external_id": "c1", "payload": "hello"}\n{"payload": "bye"}\n{"payload": "bye"}\n', None),
        (
            "export.json",
            json.dumps([{"id": 1, "data": {"t": "a"}}, {"id": 2, "data": {"t": "b"}}, {"id": 1, "data": {}}]),
            None,
        ),
        (
            "tasks.txt",
            json.dumps([{"id": 1, "data": {"t": "a"}}, {"id": 2, "data": {"t": "b"}}, {"id": 2, "data": {}}]),
            "labelstudio",
        ),
    ],
)
def test_file_upload_each_format_dedups(api, project, staff, name, content, fmt):
    client = api(staff)
    data = {"file": SimpleUploadedFile(name, content.encode())}
    if fmt:
        data["format"] = fmt
    response = client.post(_url(project), data, format="multipart")
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["duplicates"]) == (2, 1)
    data["file"] = SimpleUploadedFile(name, content.encode())
    again = client.post(_url(project), data, format="multipart")
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 3)
    assert Item.objects.filter(project=project).count() == 2


def test_unknown_extension_needs_format(api, project, staff):
    response = api(staff).post(_url(project), {"file": SimpleUploadedFile("x.xml", b"<a/>")}, format="multipart")
    assert response.status_code == 400 and response.json()["extra"]["code"] == "unknown_format"
    assert not Item.objects.exists()


def test_unreadable_file_stores_nothing(api, project, staff, monkeypatch):
    monkeypatch.setattr("labeling.services.items.BATCH_SIZE", 2)
    content = b"text\na\nb\nc\n\xff\xfe\n"  # good rows, then bytes that are not UTF-8
    response = api(staff).post(_url(project), {"file": SimpleUploadedFile("x.csv", content)}, format="multipart")
    assert response.status_code == 400 and response.json()["extra"]["code"] == "invalid_file"
    assert not Item.objects.exists()


@override_settings(LABELING={"ITEM_UPLOAD_MAX_BYTES": 200})
def test_oversized_upload_is_refused_and_nothing_stored(api, project, staff):
    client = api(staff)
    big_file = SimpleUploadedFile("big.csv", b"text\n" + b"x" * 500 + b"\n")
    response = client.post(_url(project), {"file": big_file}, format="multipart")
    assert response.status_code == 413
    assert response.json()["extra"]["code"] == "upload_too_large"
    assert response.json()["extra"]["limit_bytes"] == 200
    big_json = [{"payload": "y" * 50} for _ in range(10)]
    response = client.post(_url(project), big_json, format="json")
    assert response.status_code == 413 and response.json()["extra"]["code"] == "upload_too_large"
    assert not Item.objects.exists()


def test_empty_request_and_wrong_types(api, project, staff):
    client = api(staff)
    response = client.post(_url(project), {}, format="json")
    assert response.status_code == 400 and response.json()["extra"]["code"] == "no_records"
    response = client.post(_url(project), {"records": "not a list"}, format="json")
    assert response.status_code == 400 and "records" in response.json()["extra"]["fields"]
    assert not Item.objects.exists()


def test_list_for_staff_shows_gold_and_filters(api, project, staff):
    client = api(staff)
    client.post(_url(project), [{"payload": 1}, {"payload": 2, "is_gold": True, "gold_value": "cat"}], format="json")
    everything = client.get(_url(project)).json()
    assert everything["count"] == 2
    gold = client.get(_url(project) + "?is_gold=true").json()["results"]
    assert len(gold) == 1 and gold[0]["gold_value"] == "cat"
