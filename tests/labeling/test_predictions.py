"""Prediction import over the API and the CLI: all or nothing, replaced on re-import, staff only."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from labeling.models import Prediction

pytestmark = pytest.mark.django_db


def _url(project) -> str:
    return f"/api/projects/{project.pk}/predictions/"


def _body(rows, model="clf", version="v1"):
    return {"model": model, "version": version, "predictions": rows}


GOOD = [
    {"item": "x0", "value": "cat", "score": 0.9, "probabilities": {"cat": 0.9, "dog": 0.05, "bird": 0.05}},
    {"item": "x1", "value": "dog", "score": None, "probabilities": None},
]


def test_import_list_and_replace(api, project, staff, add_items):
    # Given a project with items; when staff import two predictions
    add_items(project, 3)
    client = api(staff)
    created = client.post(_url(project), _body(GOOD), format="json")
    # Then both are stored and listed, paginated
    assert created.status_code == 201, created.json()
    assert created.json() == {"created": 2, "model": "clf", "version": "v1"}
    listed = client.get(_url(project), {"model": "clf", "version": "v1"}).json()
    assert listed["count"] == 2 and {"next", "previous"} <= set(listed)
    first = listed["results"][0]
    assert set(first) == {"item", "model", "version", "value", "score", "probabilities", "created_at"}
    assert first["item"] == "x0" and first["probabilities"]["cat"] == 0.9
    # When the same (model, version, item) is imported again, it replaces the prediction
    client.post(_url(project), _body([{"item": "x0", "value": "bird"}]), format="json")
    assert Prediction.objects.filter(item__external_id="x0").count() == 1
    assert Prediction.objects.get(item__external_id="x0").value == "bird"
    # And another version is a separate prediction
    client.post(_url(project), _body([{"item": "x0", "value": "dog"}], version="v2"), format="json")
    assert Prediction.objects.filter(item__external_id="x0").count() == 2


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"item": "nope", "value": "cat"}, "item"),
        ({"item": "x2", "value": "horse"}, "value"),
        ({"item": "x2", "value": ["cat"]}, "value"),
        ({"item": "x2", "value": "cat", "probabilities": {"cat": 0.7, "dog": 0.2}}, "probabilities"),
        ({"item": "x2", "value": "cat", "probabilities": {"cat": 1.2, "dog": -0.2}}, "probabilities"),
        ({"item": "x2", "value": "cat", "probabilities": {"cat": 0.5, "horse": 0.5}}, "probabilities"),
        ({"item": "x2", "value": "cat", "probabilities": {"cat": "1"}}, "probabilities"),
        ({"item": "x2", "value": "cat", "score": 1.5}, "score"),
        ({"item": "x2", "value": "cat", "score": "high"}, "score"),
        ({"item": "x2"}, "value"),
        ({"item": "x2", "value": "cat", "extra": 1}, ""),
        ("not an object", ""),
    ],
)
def test_a_bad_row_stores_nothing(api, project, staff, add_items, row, field):
    # Given good rows and one bad row; when imported
    add_items(project, 3)
    response = api(staff).post(_url(project), _body([*GOOD, row]), format="json")
    # Then 400 names the bad row and its field, and nothing (not even the good rows) is stored
    assert response.status_code == 400
    body = response.json()
    assert body["extra"]["code"] == "invalid_predictions"
    assert body["extra"]["errors"][0]["index"] == 2 and body["extra"]["errors"][0]["field"] == field
    assert body["extra"]["errors"][0]["message"]
    assert Prediction.objects.count() == 0


def test_probabilities_within_tolerance_and_duplicates(api, project, staff, add_items):
    add_items(project, 2)
    client = api(staff)
    near = {"cat": 0.3333333, "dog": 0.3333333, "bird": 0.3333334}
    assert (
        client.post(
            _url(project), _body([{"item": "x0", "value": "cat", "probabilities": near}]), format="json"
        ).status_code
        == 201
    )
    twice = client.post(
        _url(project), _body([{"item": "x1", "value": "cat"}, {"item": "x1", "value": "dog"}]), format="json"
    )
    assert twice.status_code == 400 and twice.json()["extra"]["errors"][0]["index"] == 1


def test_numeric_and_multi_label_schemas(api, make_project, staff, add_items):
    numeric = make_project(label_type="ratio", min_value=0, max_value=10)
    add_items(numeric, 1)
    client = api(staff)
    assert client.post(_url(numeric), _body([{"item": "x0", "value": 3.5}]), format="json").status_code == 201
    bad = client.post(_url(numeric), _body([{"item": "x0", "value": 11}]), format="json")
    assert bad.status_code == 400 and bad.json()["extra"]["errors"][0]["field"] == "value"
    proba = client.post(_url(numeric), _body([{"item": "x0", "value": 3, "probabilities": {"3": 1.0}}]), format="json")
    assert proba.status_code == 400
    multi = make_project(label_type="multi")
    add_items(multi, 1)
    # Multi-label probabilities are per label, so they need not sum to 1
    row = {"item": "x0", "value": ["cat", "dog"], "probabilities": {"cat": 0.9, "dog": 0.8, "bird": 0.1}}
    assert client.post(_url(multi), _body([row]), format="json").status_code == 201


def test_missing_model_or_version_and_empty(api, project, staff, add_items):
    add_items(project, 1)
    client = api(staff)
    for body in ({"version": "v", "predictions": GOOD}, {"model": "m", "predictions": GOOD}, _body([])):
        response = client.post(_url(project), body, format="json")
        assert response.status_code == 400 and "message" in response.json()
    assert Prediction.objects.count() == 0


def test_only_staff_and_managers_import_and_raters_cannot_read(api, project, make_rater, add_items):
    add_items(project, 2)
    rater = make_rater(project)
    reviewer = make_rater(project, role="reviewer")
    manager = make_rater(project, role="manager")
    assert api(rater).post(_url(project), _body(GOOD), format="json").status_code == 403
    assert api(rater).get(_url(project)).status_code == 403
    assert api(reviewer).post(_url(project), _body(GOOD), format="json").status_code == 403
    assert api(reviewer).get(_url(project)).status_code == 200
    assert api().get(_url(project)).status_code in (401, 403)
    assert api(manager).post(_url(project), _body(GOOD), format="json").status_code == 201


def test_cli_csv_with_probability_columns(tmp_path, project, add_items):
    # Given a CSV with item,value,score and p:<label> columns
    add_items(project, 2)
    path = tmp_path / "preds.csv"
    path.write_text("item,value,score,p:cat,p:dog,p:bird\nx0,cat,0.8,0.8,0.15,0.05\nx1,dog,,0.1,0.6,0.3\n")
    # When imported by the CLI
    call_command("import_predictions", project.name, str(path), model="clf", version="v1", verbosity=0)
    # Then the probabilities are stored per label
    stored = Prediction.objects.get(item__external_id="x1")
    assert (
        stored.value == "dog" and stored.score is None and stored.probabilities == {"cat": 0.1, "dog": 0.6, "bird": 0.3}
    )


def test_cli_bad_file_exits_non_zero_and_stores_nothing(tmp_path, project, add_items, capsys):
    add_items(project, 2)
    path = tmp_path / "preds.jsonl"
    path.write_text(
        json.dumps({"item": "x0", "value": "cat"}) + "\n" + json.dumps({"item": "x9", "value": "cat"}) + "\n{broken\n"
    )
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import_predictions", str(project.pk), str(path), model="clf", version="v1", verbosity=0)
    err = capsys.readouterr().err
    assert "row 1 item" in err and "row 2" in err
    assert Prediction.objects.count() == 0
    with pytest.raises(CommandError, match="No project"):
        call_command("import_predictions", "missing", str(path), model="clf", version="v1", verbosity=0)


def test_cli_label_studio_predictions(tmp_path, project, add_items):
    # Given a Label Studio export whose tasks carry predictions of two model versions
    add_items(project, 2)
    tasks = [
        {
            "id": 7,
            "data": {"external_id": "x0", "text": "a"},
            "predictions": [
                {"model_version": "v1", "score": 0.7, "result": [{"type": "choices", "value": {"choices": ["dog"]}}]},
                {"model_version": "v2", "score": 0.9, "result": [{"type": "choices", "value": {"choices": ["cat"]}}]},
            ],
        },
        {"id": 8, "data": {"external_id": "x1"}, "predictions": []},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    # When the v2 predictions are imported
    call_command("import_predictions", project.name, str(path), model="ls", version="v2", verbosity=0)
    # Then only v2's result is stored, for the task's external id
    stored = Prediction.objects.get()
    assert (stored.item.external_id, stored.value, stored.score, stored.version) == ("x0", "cat", 0.9, "v2")
