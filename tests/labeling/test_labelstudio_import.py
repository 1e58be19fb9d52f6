"""`import_items --format labelstudio`: tasks become items and their predictions are stored in one transaction."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from labeling.models import Item, Prediction

pytestmark = pytest.mark.django_db


def _choice(label: str) -> list[dict]:
    return [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def _tasks(second_label: str = "dog", version: str | None = "v2") -> list[dict]:
    """Three tasks, the first two with a prediction of `version` (no model_version when None)."""

    def prediction(label: str, score: float) -> dict:
        out = {"result": _choice(label), "score": score}
        if version is not None:
            out["model_version"] = version
        return out

    return [
        {"id": 11, "data": {"text": "a cat"}, "predictions": [prediction("cat", 0.9)]},
        {"id": 12, "data": {"text": "a dog"}, "predictions": [prediction(second_label, 0.6)]},
        {"id": 13, "data": {"text": "a bird"}},
    ]


def _write(tmp_path, tasks: list[dict]):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    return path


def test_tasks_and_their_predictions_are_imported_together(project, tmp_path, capsys):
    # Given a Label Studio export of 3 tasks, 2 with predictions of model version v2
    path = _write(tmp_path, _tasks())
    # When it is imported as items
    call_command("import_items", str(path), "--project", project.name, "--model", "clf", verbosity=0)
    # Then the items and the predictions are stored, with the file's values
    assert sorted(Item.objects.filter(project=project).values_list("external_id", flat=True)) == ["11", "12", "13"]
    stored = {
        p.item.external_id: (p.model, p.version, p.value, p.score)
        for p in Prediction.objects.filter(project=project).select_related("item")
    }
    assert stored == {"11": ("clf", "v2", "cat", 0.9), "12": ("clf", "v2", "dog", 0.6)}
    assert "predictions=2" in capsys.readouterr().out


def test_one_invalid_prediction_stores_nothing_and_names_the_task(project, tmp_path, capsys):
    # Given a file whose second task (index 1) predicts a label the project does not have
    path = _write(tmp_path, _tasks(second_label="horse"))
    # When it is imported, the command fails
    with pytest.raises(CommandError) as failure:
        call_command("import_items", str(path), "--project", project.name, "--model", "clf", verbosity=0)
    # Then the message names the task and the field, and neither items nor predictions were stored
    assert "Task 1 prediction value" in str(failure.value) and "nothing was stored" in str(failure.value)
    assert "task 1 value:" in capsys.readouterr().err
    assert not Item.objects.filter(project=project).exists()
    assert not Prediction.objects.filter(project=project).exists()


def test_no_predictions_imports_the_items_only(project, tmp_path):
    # Given the same export, imported with --no-predictions (and no model name)
    path = _write(tmp_path, _tasks())
    call_command("import_items", str(path), "--project", project.name, "--no-predictions", verbosity=0)
    # Then the items are stored and no prediction
    assert Item.objects.filter(project=project).count() == 3
    assert not Prediction.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("tasks", "options", "message"),
    [
        (_tasks(), [], "pass --model NAME"),
        (_tasks(version=None), ["--model", "clf"], "Task 0 has a prediction with no model_version"),
        (_tasks()[:1] + _tasks(version="v3")[1:], ["--model", "clf"], "several model versions (v2, v3)"),
        (_tasks(), ["--model", "clf", "--model-version", "v9"], "No task has a prediction of model_version 'v9'"),
    ],
    ids=["no-model", "no-version", "two-versions", "unknown-version"],
)
def test_predictions_without_a_model_or_version_are_refused(project, tmp_path, tasks, options, message):
    # Given predictions whose model or version the import cannot tell
    path = _write(tmp_path, tasks)
    # Then the import is refused with what to pass, and nothing is stored
    with pytest.raises(CommandError, match="Nothing was stored"):
        try:
            call_command("import_items", str(path), "--project", project.name, *options, verbosity=0)
        except CommandError as exc:
            assert message in str(exc)
            raise
    assert not Item.objects.filter(project=project).exists()


def test_a_named_version_is_stored_without_a_model_version_in_the_file(project, tmp_path):
    # Given predictions that name no version, and the version given on the command line
    path = _write(tmp_path, _tasks(version=None))
    call_command(
        "import_items", str(path), "--project", project.name, "--model", "clf", "--model-version", "v1", verbosity=0
    )
    # Then they are stored under that version
    versions = Prediction.objects.filter(project=project).values_list("version", flat=True)
    assert sorted(versions) == ["v1", "v1"]
