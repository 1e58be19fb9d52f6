"""Real crowd data (Snow et al. 2008) through the real import command: Dawid-Skene beats majority vote."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from labeling.models import Project, Resolution
from labeling.services.resolution import project_resolve

COLUMNS = "orig_id,!amt_worker_ids,response"


def import_snow(path, name: str) -> Project:
    call_command(
        "import_annotations",
        str(path),
        project=name,
        create=True,
        label_type="single",
        method="dawid_skene",
        columns=COLUMNS,
        gold_column="gold",
        verbosity=0,
    )
    return Project.objects.get(name=name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "items", "labels", "ds_floor"),
    [("rte.standardized.tsv", 800, 8000, 0.925), ("temp.standardized.tsv", 462, 4620, 0.94)],
)
def test_dawid_skene_accuracy_against_gold(shared_data, capsys, filename, items, labels, ds_floor):
    # Given the real Mechanical Turk labels, imported with their expert gold
    project = import_snow(shared_data / "snow2008" / filename, filename.split(".")[0])
    assert project.items.count() == items and project.annotations.count() == labels
    assert project.items.filter(gold_value__isnull=False, is_gold=False).count() == items

    # When the project is resolved with Dawid-Skene and reported
    summary = project_resolve(project=project)
    capsys.readouterr()
    call_command("project_report", project.name, "--json", "--bootstrap", "200")
    report = json.loads(capsys.readouterr().out)

    # Then Dawid-Skene reaches the published accuracy, with majority vote beside it
    accuracy = report["accuracy"]
    print(filename, json.dumps(accuracy), json.dumps(report["alpha"]))
    assert summary.written == items and summary.method == "dawid_skene"
    assert accuracy["consensus"]["accuracy"] >= ds_floor
    assert accuracy["dawid_skene"]["accuracy"] >= ds_floor
    assert accuracy["majority"]["accuracy_ties_random"] < accuracy["dawid_skene"]["accuracy"]
    assert report["consensus_method"] == ["dawid_skene"]
    assert 0 < report["alpha"]["nominal"]["ci_low"] < report["alpha"]["nominal"]["alpha"]
    assert Resolution.objects.filter(project=project, is_current=True).count() == items
