"""A model counted as a rater: its votes enter aggregation and its reliability is estimated like a person's,
but it is never paid, never listed among raters, and never part of the crowd's agreement figures."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from backoffice.figures.raters import rater_figures
from labeling.models import MachineReliability, Project, RaterReliability, Resolution
from labeling.selectors.agreement import agreement_report, alpha_cached, rater_reliability
from labeling.services.model_settings import model_settings_update
from labeling.services.predictions import predictions_import
from labeling.services.resolution import item_resolve, project_resolve
from raters.models import EarningsEntry
from raters.selectors.diversity import pool_diversity_report
from raters.selectors.quality import project_rater_quality

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_projects_measure_the_model(settings):
    """These projects have 8 items; the model is measured on the 8 two or more people labelled."""
    settings.LABELING = {**getattr(settings, "LABELING", {}), "MACHINE_MIN_MEASURED_ITEMS": 5}


# Three raters on eight items: rater a is reliable, b and c are noisy; items 6 and 7 are 1-1 ties with two raters.
ROWS = [
    (0, "a", "cat"), (0, "b", "cat"), (0, "c", "dog"),
    (1, "a", "dog"), (1, "b", "dog"), (1, "c", "dog"),
    (2, "a", "bird"), (2, "b", "cat"), (2, "c", "bird"),
    (3, "a", "cat"), (3, "b", "cat"), (3, "c", "cat"),
    (4, "a", "dog"), (4, "b", "bird"), (4, "c", "dog"),
    (5, "a", "bird"), (5, "b", "bird"), (5, "c", "cat"),
    (6, "a", "cat"), (6, "b", "dog"),
    (7, "b", "bird"), (7, "c", "cat"),
]  # fmt: skip
MODEL = {0: "cat", 1: "dog", 2: "bird", 3: "cat", 4: "dog", 5: "bird", 6: "cat", 7: "cat"}


def _load(tmp_path, name: str, method: str = "dawid_skene") -> Project:
    path = tmp_path / f"{name}.csv"
    path.write_text("item,rater,value\n" + "".join(f"i{i},{r},{v}\n" for i, r, v in ROWS))
    call_command(
        "import_annotations", str(path), project=name, create=True, label_type="single",
        categories="cat,dog,bird", method=method, verbosity=0,
    )  # fmt: skip
    return Project.objects.get(name=name)


def _with_model_rater(project: Project) -> None:
    rows = [{"item": f"i{i}", "value": v, "probabilities": None} for i, v in MODEL.items()]
    predictions_import(project=project, model="clf", version="v3", rows=rows)
    model_settings_update(project=project, rater_model="clf", rater_version="v3")


def test_model_vote_counts_in_aggregation_and_its_reliability_is_estimated(
    tmp_path, django_capture_on_commit_callbacks
):
    # Given a crowd-only project and the same project with the model as a rater
    crowd = _load(tmp_path, "crowd-only", method="majority")
    with django_capture_on_commit_callbacks(execute=True):
        project_resolve(project=crowd, bootstrap=0)
    crowd_ties = set(
        Resolution.objects.filter(project=crowd, is_current=True, adjudication_reason="tie").values_list(
            "item__external_id", flat=True
        )
    )
    mixed = _load(tmp_path, "with-model", method="majority")
    _with_model_rater(mixed)
    # When the project is resolved
    with django_capture_on_commit_callbacks(execute=True):
        summary = project_resolve(project=mixed, bootstrap=0)
    # Then the model's vote broke the crowd's ties (it counts) ...
    assert {"i6", "i7"} <= crowd_ties
    resolved = dict(Resolution.objects.filter(project=mixed, is_current=True).values_list("item__external_id", "label"))
    assert resolved["i6"] == "cat" and resolved["i7"] == "cat"
    # ... its reliability is estimated, stored apart and named as a machine
    machine = MachineReliability.objects.get(project=mixed)
    assert machine.rater_key == "model:clf@v3" and machine.annotation_count == len(MODEL)  # every item has 2+ people
    assert 0.0 <= machine.reliability <= 1.0
    # ... annotation counts and readiness count people only
    assert summary.annotations == len(ROWS)
    assert Resolution.objects.get(project=mixed, item__external_id="i6", is_current=True).annotation_count == 2
    # ... and the people's reliabilities are people only
    assert RaterReliability.objects.filter(project=mixed).count() == 3
    assert all(rater > 0 for rater in rater_reliability(project=mixed))


def test_the_model_never_shows_in_pay_rater_lists_diversity_or_crowd_alpha(
    tmp_path, api, staff, django_capture_on_commit_callbacks
):
    # Given a careless admin who makes a model a rater on a paid project
    crowd = _load(tmp_path, "baseline")
    with django_capture_on_commit_callbacks(execute=True):
        project_resolve(project=crowd, bootstrap=0)
    project = _load(tmp_path, "paid")
    _with_model_rater(project)
    earnings_before = EarningsEntry.objects.filter(project=project).count()
    with django_capture_on_commit_callbacks(execute=True):
        project_resolve(project=project, bootstrap=0)
    # Then no earnings entry is written for it (it is not a user and has no annotation to pay)
    assert EarningsEntry.objects.filter(project=project).count() == earnings_before
    # (its Dawid-Skene confusion matrix is estimated like a person's)
    assert MachineReliability.objects.get(project=project).confusion["cat"]["cat"] > 0.5
    # And the crowd's alpha (cached for dashboards and in the agreement report) equals the crowd-only value
    assert alpha_cached(project=project)["alpha"] == alpha_cached(project=crowd)["alpha"]
    report = agreement_report(project=project, bootstrap=0)
    baseline = agreement_report(project=crowd, bootstrap=0)
    assert report["alpha_at_level"] == baseline["alpha_at_level"] and report["raters"] == 3
    assert not any(row["is_machine"] for row in report["per_rater"]) and report["machine_raters"] == {}
    # And the staff rater lists, rater figures and the pool's diversity list people only
    assert len(project_rater_quality(project=project)) == len(project_rater_quality(project=crowd))
    figures = rater_figures(project=project)
    assert "model:clf@v3" not in str(figures)
    assert pool_diversity_report(project=project).pool_size == pool_diversity_report(project=crowd).pool_size
    # And only an explicit include_machine=true adds it, marked as a machine
    client = api(staff)
    with_machine = client.get(f"/api/projects/{project.pk}/agreement/", {"include_machine": "true", "bootstrap": 0})
    assert with_machine.status_code == 200, with_machine.json()
    body = with_machine.json()
    assert body["raters"] == 4 and body["machine_raters"] == {"-1": "model:clf@v3"}
    machine_rows = [row for row in body["per_rater"] if row["is_machine"]]
    assert [row["rater_id"] for row in machine_rows] == ["model:clf@v3"]
    plain = client.get(f"/api/projects/{project.pk}/agreement/", {"bootstrap": 0}).json()
    assert plain["raters"] == 3 and plain["alpha_at_level"] == baseline["alpha_at_level"]
    reliability = client.get(f"/api/projects/{project.pk}/rater-reliability/").json()
    assert "-1" not in reliability["reliability"]
    assert (
        reliability["machine_raters"][0]["rater"] == "model:clf@v3" and reliability["machine_raters"][0]["is_machine"]
    )


def test_a_model_rater_needs_both_name_and_version(tmp_path):
    project = _load(tmp_path, "half")
    with pytest.raises(Exception, match="both"):
        model_settings_update(project=project, rater_model="clf")


def test_single_item_resolve_uses_the_stored_machine_fit(tmp_path, django_capture_on_commit_callbacks):
    # Given a Dawid-Skene project with a measured model rater, refit once
    project = _load(tmp_path, "per-item")
    _with_model_rater(project)
    with django_capture_on_commit_callbacks(execute=True):
        project_resolve(project=project, bootstrap=0)
    assert MachineReliability.objects.filter(project=project).exists()
    refit = Resolution.objects.get(project=project, item__external_id="i7", is_current=True)
    item = project.items.get(external_id="i7")
    Resolution.objects.filter(item=item).update(confidence=0.0)  # force a fresh decision
    # When the item is resolved on its own (the per-item task's path)
    resolution = item_resolve(item=item)
    # Then it is the refit's result, the machine's stored confusion weighing in as there
    assert resolution.label == refit.label
    assert resolution.confidence == pytest.approx(refit.confidence, abs=1e-6)
    assert resolution.annotation_count == 2  # people only
    assert set(resolution.distribution) <= {"cat", "dog", "bird"}
