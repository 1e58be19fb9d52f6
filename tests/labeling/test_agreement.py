"""Krippendorff's alpha: the published worked example through the real import, and the fast paths."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from django.core.management import call_command

from labeling.models import Project
from labeling.selectors.agreement import agreement_report, confusion_matrix, project_report, rater_reliability
from labeling.services.resolution import project_resolve

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12 units.
WORKED_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def write_worked_example(path):
    lines = ["item,rater,value"]
    for observer, row in zip("ABCD", WORKED_EXAMPLE, strict=True):
        lines += [f"u{unit + 1},{observer},{value}" for unit, value in enumerate(row) if value is not None]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.django_db
def test_worked_example_imported_gives_published_alphas(tmp_path):
    # Given the worked example as a CSV, imported as a ratio-scale project
    csv_path = write_worked_example(tmp_path / "worked.csv")
    call_command("import_annotations", str(csv_path), project="kripp", create=True, label_type="ratio", verbosity=0)
    project = Project.objects.get(name="kripp")

    # When the agreement report is computed
    report = agreement_report(project=project, bootstrap=200)

    # Then alpha matches the published values at every level
    alpha = {level: report["alpha"][level]["alpha"] for level in report["alpha"]}
    assert round(alpha["nominal"], 3) == 0.743
    assert round(alpha["ordinal"], 3) == 0.815
    assert round(alpha["interval"], 3) == 0.849
    assert round(alpha["ratio"], 3) == 0.797
    assert report["annotations"] == 41 and report["items"] == 12 and report["pairable_units"] == 11
    interval = report["alpha"]["interval"]
    assert interval["ci_low"] < interval["alpha"] <= interval["ci_high"] <= 1.0
    # Per rater: alpha without each observer equals the package on the matrix without that row
    data = np.array([[np.nan if v is None else v for v in row] for row in WORKED_EXAMPLE], dtype=float)
    by_name = {row["username"]: row for row in report["per_rater"]}
    for index, observer in enumerate("ABCD"):
        expected = krippendorff.alpha(np.delete(data, index, axis=0), level_of_measurement="ratio")
        assert by_name[f"crowd-{observer}"]["alpha_without_rater"] == pytest.approx(expected, abs=1e-4)
    # Per pair: A and B share 9 units and agree on 8
    pair = next(
        p
        for p in report["per_rater_pair"]
        if {p["rater_a"], p["rater_b"]} == {by_name["crowd-A"]["rater_id"], by_name["crowd-B"]["rater_id"]}
    )
    assert pair["shared_units"] == 9 and pair["percent_agreement"] == pytest.approx(8 / 9, abs=1e-4)
    assert report["per_instruction_version"][0]["annotations"] == 41


@pytest.mark.django_db
def test_project_report_command_prints_levels_as_json(tmp_path, capsys):
    csv_path = write_worked_example(tmp_path / "worked.csv")
    call_command("import_annotations", str(csv_path), project="kripp", create=True, label_type="ordinal", verbosity=0)
    call_command("project_report", "kripp", "--json", "--bootstrap", "100")
    import json

    out = json.loads(capsys.readouterr().out)
    # An ordinal project reports nominal and ordinal, not the numeric levels
    assert set(out["alpha"]) == {"nominal", "ordinal"}
    assert round(out["alpha"]["ordinal"]["alpha"], 3) == 0.815
    assert out["accuracy"] == {}


@pytest.mark.django_db
def test_confusion_and_reliability_follow_the_consensus(tmp_path):
    lines = ["item,rater,value"]
    for i in range(6):
        lines += [f"i{i},good1,cat", f"i{i},good2,cat", f"i{i},bad,{'dog' if i % 2 else 'cat'}"]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    call_command(
        "import_annotations", str(tmp_path / "c.csv"), project="conf", create=True, label_type="single", verbosity=0
    )
    project = Project.objects.get(name="conf")
    project_resolve(project=project, method="majority")

    matrix = confusion_matrix(project=project)
    cat, dog = matrix["labels"].index("cat"), matrix["labels"].index("dog")
    assert matrix["matrix"][cat][cat] == 15 and matrix["matrix"][dog][cat] == 3
    reliability = rater_reliability(project=project)
    names = dict(project.memberships.values_list("user_id", "user__username"))
    by_name = {names[k]: v for k, v in reliability.items()}
    assert by_name["crowd-good1"] == 1.0 and by_name["crowd-bad"] == 0.5
    report = project_report(project=project, bootstrap=0)
    assert report["consensus_method"] == ["majority"]


@pytest.mark.django_db
def test_agreement_per_instructions_version(tmp_path):
    from labeling.models import Annotation
    from labeling.services.instructions import instructions_publish

    # Given raters who disagreed under version 1 and agreed under version 2
    lines = ["item,rater,value"]
    for i in range(8):
        lines += [f"a{i},r1,cat", f"a{i},r2,{'dog' if i % 2 else 'cat'}"]
        lines += [f"b{i},r1,{'cat' if i % 2 else 'dog'}", f"b{i},r2,{'cat' if i % 2 else 'dog'}"]
    (tmp_path / "v.csv").write_text("\n".join(lines) + "\n")
    call_command(
        "import_annotations", str(tmp_path / "v.csv"), project="ver", create=True, label_type="single", verbosity=0
    )
    project = Project.objects.get(name="ver")
    first = instructions_publish(project=project, body="Version one.")
    second = instructions_publish(project=project, body="Version two, clearer.")
    Annotation.objects.filter(item__external_id__startswith="a").update(instruction_version=first)
    Annotation.objects.filter(item__external_id__startswith="b").update(instruction_version=second)

    report = agreement_report(project=project, bootstrap=0)

    by_version = {row["version"]: row for row in report["per_instruction_version"]}
    assert by_version[2]["alpha"] == 1.0 and by_version[2]["percent_agreement"] == 1.0
    assert by_version[1]["percent_agreement"] == 0.5 and by_version[1]["alpha"] < 0.5
    assert by_version[1]["annotations"] == 16 and by_version[2]["pairable_units"] == 8
